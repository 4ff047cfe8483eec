"""Deploy tab: pick a target and a build, check, deploy, roll back, watch it live.

All core calls (target check, deploy, rollback, history, samples) block on Docker, SSH or the
database, so they run through ``TaskRunner``; stage messages arrive as ``DeployProgress``
through the ``EventBridge``. The live chart polls ``DeployService.sample`` every
``SAMPLE_INTERVAL_MS`` only while the tab is visible and the chosen target's newest deployment
is healthy — a hidden tab or a dead deployment costs nothing.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QHideEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.gui.bridge import EventBridge
from pixel_desktop.gui.errors import show_message, user_message
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner

SAMPLE_INTERVAL_MS = 2_000
MAX_SAMPLES = 300  # 10 minutes at one sample per 2 s
STATUS_COLORS = {
    "healthy": "#1a7f37",
    "deploying": "#0969da",
    "failed": "#cf222e",
    "rolled_back": "#bc4c00",
}
HISTORY_COLUMNS = ["#", "Status", "Target", "Build", "Image", "Digest", "URL", "Started", "Finished", "Error"]
URL_COLUMN = HISTORY_COLUMNS.index("URL")
VIA_CHOICES = (
    ("Automatic", None),
    ("Registry (target pulls)", "registry"),
    ("Load (docker save → load)", "load"),
)


def _fmt_time(value: dt.datetime | None, *, short: bool = False) -> str:
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo else value
    return local.strftime("%b %d %H:%M:%S" if short else "%Y-%m-%d %H:%M:%S")


def _plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` literally: Qt renders a tooltip that looks like HTML as
    rich text, so daemon or record text is escaped inside a rich-text wrapper that keeps
    its line breaks."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def _short_digest(digest: str | None, length: int = 12) -> str:
    if not digest:
        return ""
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:length]}" if hexpart else digest[: length + 7]


class DeployTab(QWidget):
    def __init__(self, services: Services, tasks: TaskRunner, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.slug: str | None = None
        self.history: list[Any] = []
        self.targets: list[Any] = []
        self.builds: list[Any] = []
        self.samples: list[Any] = []
        self.running = False  # a deploy or rollback started from this tab is in flight
        self.last_record: Any = None  # the record the last deploy/rollback from this tab returned
        self.last_check: Any = None
        self._checked_target: str | None = None  # target a check was last started for
        self.checking = 0  # target checks in flight
        self._sampling = False
        self._sample_key: tuple[str, str] | None = None
        self._t0: float | None = None
        self._history_generation = -1  # generation whose history is shown
        self._shown_target: str | None = None
        self._log_is_run = False  # the stage log shows a run (else the current deployment's details)
        self._generation = 0  # bumps on project change so late answers for the old one are dropped
        style = self.style()

        # --- controls
        self.target_combo = QComboBox()
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target_combo.setMinimumWidth(160)
        self.target_combo.currentIndexChanged.connect(self._target_changed)
        self.check_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton), "Check target")
        self.check_button.setToolTip("Reachable? Docker version, free port and disk on the target")
        self.check_button.clicked.connect(self.check_target)
        self.build_combo = QComboBox()
        self.build_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.build_combo.setMinimumWidth(200)
        self.via_combo = QComboBox()
        self.via_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for text, value in VIA_CHOICES:
            self.via_combo.addItem(text, value)
        self.via_combo.setToolTip(
            "How the image reaches the target: pulled from the build's registry, or streamed "
            "with docker save → docker load over the connection (no registry needed)"
        )
        self.deploy_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp), "Deploy")
        self.deploy_button.setObjectName("primary")
        self.deploy_button.clicked.connect(self.deploy)
        self.rollback_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Rollback")
        self.rollback_button.setToolTip("Redeploy the previous healthy deployment (a different image) on this target")
        self.rollback_button.clicked.connect(self.rollback)
        self.verdict_label = QLabel("Choose a target and press Check target to see whether it is ready.")
        self.verdict_label.setObjectName("hint")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.verdict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)  # the verdict quotes the daemon

        # Two rows keep the tab narrow enough for a 1100 px window: target + its verdict, then
        # what to deploy and the actions.
        controls = QGridLayout()
        controls.setHorizontalSpacing(8)
        controls.setVerticalSpacing(6)
        controls.addWidget(QLabel("Target"), 0, 0)
        controls.addWidget(self.target_combo, 0, 1)
        controls.addWidget(self.check_button, 0, 2)
        controls.addWidget(self.verdict_label, 0, 3, 1, 4)
        controls.addWidget(QLabel("Build"), 1, 0)
        controls.addWidget(self.build_combo, 1, 1)
        controls.addWidget(QLabel("Via"), 1, 2, Qt.AlignmentFlag.AlignRight)
        controls.addWidget(self.via_combo, 1, 3)
        controls.addWidget(self.deploy_button, 1, 5)
        controls.addWidget(self.rollback_button, 1, 6)
        controls.setColumnStretch(4, 1)

        # --- live status + stage log
        self.title = QLabel("No deployment yet")
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setOpenExternalLinks(True)
        self.title.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.stage_log = QPlainTextEdit()
        self.stage_log.setReadOnly(True)
        self.stage_log.setObjectName("stageLog")
        self.stage_log.setPlaceholderText("Deploy stages appear here: connecting, transferring, starting, health…")
        self.stage_log.setMaximumBlockCount(5_000)
        self.stage_log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        log_panel = QWidget()
        log_layout = QVBoxLayout(log_panel)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.stage_log, 1)

        # --- live charts
        self.cpu_plot, self.cpu_curve = self._plot("Container CPU", "%", "#0969da", (9, 105, 218, 40))
        self.mem_plot, self.mem_curve = self._plot("Container memory", "MiB", "#8250df", (130, 80, 223, 40))
        self.lat_plot, self.lat_curve = self._plot("Health latency", "ms", "#1a7f37", (26, 127, 55, 40))
        charts = QWidget()
        grid = QVBoxLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for plot in (self.cpu_plot, self.mem_plot, self.lat_plot):
            grid.addWidget(plot)

        # --- history
        self.table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.table.setHorizontalHeaderLabels(HISTORY_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setMouseTracking(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HISTORY_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.cellClicked.connect(self._cell_clicked)
        self.copy_url_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "Copy URL")
        self.copy_url_button.setToolTip("Copy the selected deployment's URL (click a URL to open it)")
        self.copy_url_button.clicked.connect(self.copy_url)
        history_title = QLabel("Deployment history")
        history_title.setObjectName("sectionTitle")
        history_bar = QHBoxLayout()
        history_bar.addWidget(history_title)
        history_bar.addStretch(1)
        history_bar.addWidget(self.copy_url_button)
        history_panel = QWidget()
        history_layout = QVBoxLayout(history_panel)
        history_layout.setContentsMargins(0, 4, 0, 0)
        history_layout.addLayout(history_bar)
        history_layout.addWidget(self.table, 1)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(log_panel)
        top.addWidget(charts)
        top.setSizes([560, 640])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(history_panel)
        main.setSizes([470, 230])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(controls)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color:#d0d7de;")
        layout.addWidget(line)
        layout.addWidget(self.title)
        layout.addWidget(main, 1)

        self._sample_timer = QTimer(self)
        self._sample_timer.setInterval(SAMPLE_INTERVAL_MS)
        self._sample_timer.timeout.connect(self.poll_sample)
        bridge.deploy_progress.connect(self._on_progress)
        bridge.deploy_finished.connect(self._on_finished)
        self._update_buttons()

    # ---------------------------------------------------------------- widgets
    @staticmethod
    def _set_title(plot: pg.PlotWidget, title: str) -> None:
        plot.setTitle(f"<span style='font-size:9pt; color:#24292f'>{title}</span>")

    def _plot(self, title: str, unit: str, color: str, fill: tuple[int, int, int, int]) -> tuple[pg.PlotWidget, Any]:
        plot = pg.PlotWidget()
        self._set_title(plot, title)
        plot.setLabel("left", unit)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setLabel("bottom", "s")
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.setMinimumHeight(110)
        plot.getPlotItem().setContentsMargins(4, 4, 8, 4)
        curve = plot.plot(
            pen=pg.mkPen(color, width=2), fillLevel=0, brush=fill,
            symbol="o", symbolSize=5, symbolBrush=color, symbolPen=None,
        )
        return plot, curve

    @property
    def target(self) -> str | None:
        data = self.target_combo.currentData()
        return str(data) if data else None

    @property
    def build_id(self) -> int | None:
        data = self.build_combo.currentData()
        return int(data) if data else None

    @property
    def via(self) -> str | None:
        return self.via_combo.currentData()

    def _update_buttons(self) -> None:
        ready = self.slug is not None and self.target is not None and not self.running
        self.deploy_button.setEnabled(ready and self.build_id is not None)
        self.rollback_button.setEnabled(ready and self._healthy_count() >= 2)
        self.check_button.setEnabled(self.target is not None)
        self.target_combo.setEnabled(not self.running)
        self.build_combo.setEnabled(not self.running)
        self.via_combo.setEnabled(not self.running)

    def _healthy_count(self) -> int:
        target = self.target
        return sum(1 for d in self.history if d.target_name == target and d.status == "healthy")

    # ---------------------------------------------------------------- project / data loading
    def set_project(self, slug: str | None) -> None:
        if slug == self.slug:
            return
        self.slug = slug
        self._generation += 1
        self.history = []
        self.stage_log.clear()
        self.title.setText("No deployment yet")
        self._log_is_run = False
        self.last_check = None
        self._checked_target = None
        self.verdict_label.setText("Choose a target and press Check target to see whether it is ready.")
        self.verdict_label.setStyleSheet("")
        self._reset_chart()
        self.refresh()

    def refresh(self) -> None:
        """Reload targets, completed builds and the deployment history (off-thread)."""
        slug, generation = self.slug, self._generation
        self._tasks.run(self._services.list_targets, self._targets_loaded, self._load_failed("deploy targets"))
        if slug is None:
            self._builds_loaded(generation, [])
            self._history_loaded(generation, [])
            return
        self._tasks.run(
            lambda: self._services.completed_builds(slug),
            lambda builds: self._builds_loaded(generation, builds),
            self._load_failed("completed builds"),
        )
        self.refresh_history()

    def refresh_history(self) -> None:
        slug, generation = self.slug, self._generation
        if slug is None:
            return
        self._tasks.run(
            lambda: self._services.list_deployments(slug, limit=100),
            lambda rows: self._history_loaded(generation, rows),
            self._load_failed("deployment history"),
        )

    @staticmethod
    def _load_failed(what: str) -> Any:
        return lambda exc: show_message("error", f"Cannot load the {what}: {user_message(exc)[1]}")

    def _targets_loaded(self, targets: list[Any]) -> None:
        self.targets = targets
        previous = self.target
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        for t in targets:
            self.target_combo.addItem(t.name if t.kind == "docker" else f"{t.name} (swarm)", t.name)
            self.target_combo.setItemData(
                self.target_combo.count() - 1, f"{t.kind} · {t.docker_host}", Qt.ItemDataRole.ToolTipRole
            )
        if not targets:
            self.target_combo.addItem("No deploy targets", None)
            self.verdict_label.setText(
                "No deploy target yet: add one in Settings → Targets (e.g. the local socket "
                "unix:///var/run/docker.sock or ssh://user@host), then deploy."
            )
        index = self.target_combo.findData(previous) if previous else -1
        self.target_combo.setCurrentIndex(max(index, 0))
        self.target_combo.blockSignals(False)
        self._target_changed()

    def _builds_loaded(self, generation: int, builds: list[Any]) -> None:
        if generation != self._generation:
            return
        self.builds = builds
        previous = self.build_id
        self.build_combo.clear()
        for i, b in enumerate(builds):
            when = b.completed_at.astimezone().strftime("%b %d %H:%M") if b.completed_at else ""
            latest = " (latest)" if i == 0 else ""
            self.build_combo.addItem(f"#{b.id} · {when}{latest}", b.id)
            self.build_combo.setItemData(i, b.image_name or "", Qt.ItemDataRole.ToolTipRole)
        if not builds:
            self.build_combo.addItem("No completed build — build the project first", None)
        index = self.build_combo.findData(previous) if previous else -1
        self.build_combo.setCurrentIndex(max(index, 0))
        self._update_buttons()

    def _history_loaded(self, generation: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return
        self.history = rows
        self._history_generation = generation
        selected = self._selected_deployment()
        self.table.setRowCount(0)
        for dep in rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            values = [
                str(dep.id),
                dep.status.replace("_", " "),
                dep.target_name,
                f"#{dep.build_id}" if dep.build_id else "",
                dep.image_ref.rsplit("/", 1)[-1],  # name:tag; the full reference is the tooltip
                _short_digest(dep.digest),
                dep.url or "",
                _fmt_time(dep.created_at, short=True),
                _fmt_time(dep.completed_at, short=True),
                dep.error_message or "",
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, dep.id)
                if c == 1:
                    color = STATUS_COLORS.get(dep.status, "#57606a")
                    item.setForeground(QBrush(QColor(color)))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                elif c == 4:
                    item.setToolTip(_plain_tip(dep.image_ref))
                elif c == 5 and dep.digest:
                    item.setToolTip(_plain_tip(dep.digest))
                elif c == URL_COLUMN and dep.url:
                    item.setForeground(QBrush(QColor("#0969da")))
                    font = item.font()
                    font.setUnderline(True)
                    item.setFont(font)
                    item.setToolTip(_plain_tip(f"Open {dep.url} (Copy URL copies it)"))
                elif c == len(values) - 1 and value:
                    item.setToolTip(_plain_tip(value))
                self.table.setItem(r, c, item)
        if selected is not None:
            self.select_deployment(selected.id)
        self._show_current()
        self._update_buttons()
        self._update_sampling()

    def _target_changed(self, *_: Any) -> None:
        if self.target != self._shown_target and not self.running:
            self._shown_target = self.target
            self._log_is_run = False  # another target: show its deployment, not the old run
        if self.last_check is not None and self.last_check.name != self.target:
            self.last_check = None
            self.verdict_label.setText("Press Check target to see whether this target is ready.")
            self.verdict_label.setStyleSheet("")
        self._show_current()
        self._update_buttons()
        self._update_sampling()
        self._maybe_auto_check()

    def _maybe_auto_check(self) -> None:
        """Check the shown target once when it first appears, so its verdict is there at a glance."""
        if self.isVisible() and self.target is not None and self._checked_target != self.target and not self.running:
            self.check_target()

    def current_deployment(self) -> Any | None:
        """The chosen target's newest deployment of this project."""
        target = self.target
        return next((d for d in self.history if d.target_name == target), None)

    def _show_current(self) -> None:
        if self.running:
            return
        dep = self.current_deployment()
        if dep is None:
            self._set_title_plain("No deployment on this target yet" if self.target else "No deployment yet")
            if not self._log_is_run:
                self.stage_log.clear()
            return
        color = STATUS_COLORS.get(dep.status, "#57606a")
        text = (
            f"Deployment #{dep.id} on {html.escape(dep.target_name)} — "
            f"<span style='color:{color}'>{dep.status.replace('_', ' ')}</span>"
        )
        if dep.status == "healthy" and dep.url:
            url = html.escape(dep.url, quote=True)
            text += f" at <a href='{url}' style='color:#0969da'>{url}</a>"
        if dep.error_message:
            text += f" — {html.escape(dep.error_message)}"
        self.title.setText(text)
        if not self._log_is_run:
            self.stage_log.setPlainText(self._details(dep))

    def _details(self, dep: Any) -> str:
        """What the current deployment runs with (from its redacted snapshot), while idle."""
        snap = dep.config_snapshot or {}
        target = next((t for t in self.targets if t.name == dep.target_name), None)
        rows = [
            ("Status", dep.status.replace("_", " ")),
            ("Target", f"{dep.target_name} ({target.kind} · {target.docker_host})" if target else dep.target_name),
            ("Image", dep.image_ref),
            ("Digest", _short_digest(dep.digest, 24) or "—"),
            ("Build", f"#{dep.build_id}" if dep.build_id else "—"),
            ("Via", str(snap.get("via") or "—")),
            ("URL", dep.url or "—"),
            ("Started", _fmt_time(dep.created_at)),
            ("Finished", _fmt_time(dep.completed_at)),
            ("Port", str(snap.get("port", "—"))),
            ("Restart", str(snap.get("restart_policy", "—"))),
            ("Health", str(snap.get("health_path", "—"))),
            ("Env vars", ", ".join(snap.get("env_vars") or {}) or "—"),
            ("Secrets", ", ".join(snap.get("secret_env") or {}) + " (from the OS keyring, never stored)" if snap.get("secret_env") else "—"),
        ]
        if snap.get("rollback_to"):
            rows.append(("Rollback", f"to deployment #{snap['rollback_to']} (from #{snap.get('rollback_of')})"))
        if dep.error_message:
            rows.append(("Error", dep.error_message))
        lines = [f"Deployment #{dep.id}", ""]
        lines += [f"{k:<10} {v}" for k, v in rows]
        lines += ["", "Deploy or Rollback shows the live stages here."]
        return "\n".join(lines)

    # ---------------------------------------------------------------- actions
    def check_target(self) -> None:
        name, slug = self.target, self.slug
        if name is None:
            show_message("warning", "Add a deploy target in Settings → Targets first.")
            return
        self._checked_target = name
        self.checking += 1
        self.check_button.setEnabled(False)
        self.verdict_label.setStyleSheet("")
        self.verdict_label.setText(f"Checking {name}…")

        def done(check: Any) -> None:
            self.checking -= 1
            self.check_button.setEnabled(self.target is not None)
            if name != self.target:
                return  # the user picked another target meanwhile
            self.last_check = check
            color = "#1a7f37" if check.ok else "#cf222e"
            self.verdict_label.setStyleSheet(f"color:{color}; font-weight:600;")
            self.verdict_label.setText(f"{name}: {check.verdict}")

        def failed(exc: BaseException) -> None:
            self.checking -= 1
            self.check_button.setEnabled(self.target is not None)
            if name != self.target:
                return
            self.verdict_label.setStyleSheet("color:#cf222e; font-weight:600;")
            self.verdict_label.setText(f"{name}: NOT READY: {user_message(exc)[1]}")

        self._tasks.run(lambda: self._services.check_target(name, slug), done, failed)

    def deploy(self) -> None:
        slug, target, build_id, via = self.slug, self.target, self.build_id, self.via
        if slug is None or target is None or build_id is None or self.running:
            return
        self._start_run(f"Deploying build #{build_id} of {slug} to {target}…")
        self._tasks.run(
            lambda: self._services.deploy(slug, target, build_id=build_id, via=via),
            self._run_done,
            self._run_failed,
        )

    def rollback(self) -> None:
        slug, target = self.slug, self.target
        if slug is None or target is None or self.running:
            return
        self._start_run(f"Rolling {slug} on {target} back to the previous healthy deployment…")
        self._tasks.run(lambda: self._services.rollback(slug, target), self._run_done, self._run_failed)

    def _start_run(self, text: str) -> None:
        self.running = True
        self.last_record = None
        self._log_is_run = True
        self.stage_log.clear()
        self._log_line(text)
        self._set_title_plain(text)
        self._update_buttons()

    def _set_title_plain(self, text: str) -> None:
        """The status line is rich text (a healthy deployment's URL is a link), so any text from
        a daemon, a container or a record is escaped: it shows as characters, never markup."""
        self.title.setText(html.escape(text))

    def _run_done(self, record: Any) -> None:
        self.running = False
        self.last_record = record
        status = record.status.replace("_", " ")
        if record.status == "healthy":
            show_message("info", f"Deployment #{record.id} of {record.project_slug} on {record.target_name} is healthy at {record.url}.")
        else:
            show_message("error", f"Deployment #{record.id} on {record.target_name} {status}: {record.error_message or 'no reason recorded'}")
        self._reset_chart()
        self.refresh_history()
        self._update_buttons()

    def _run_failed(self, exc: BaseException) -> None:
        self.running = False
        level, text = user_message(exc)
        self._log_line(f"error: {text}")
        self._set_title_plain(text)
        show_message(level, text)
        self.refresh_history()
        self._update_buttons()

    # ---------------------------------------------------------------- live events
    def _log_line(self, text: str, ts: float | None = None) -> None:
        stamp = dt.datetime.fromtimestamp(ts) if ts else dt.datetime.now()
        self.stage_log.appendPlainText(f"{stamp:%H:%M:%S}  {text}")

    def _on_progress(self, event: Any) -> None:
        if not self.running:
            return  # a deploy of another window/thread: not this tab's stage log
        self._log_line(f"[{event.stage}] {event.message}", event.ts)
        if event.deployment_id:
            self._set_title_plain(f"Deployment #{event.deployment_id} — {event.stage}: {event.message}")

    def _on_finished(self, event: Any) -> None:
        if not self.running:
            return
        line = f"finished: {event.status.replace('_', ' ')}"
        if event.url:
            line += f" at {event.url}"
        if event.error:
            line += f" — {event.error}"
        self._log_line(line, event.ts)

    # ---------------------------------------------------------------- history table
    def _selected_deployment(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        dep_id = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((d for d in self.history if d.id == dep_id), None)

    def select_deployment(self, deployment_id: int) -> None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == deployment_id:
                self.table.selectRow(r)
                return

    def _cell_clicked(self, row: int, column: int) -> None:
        if column != URL_COLUMN:
            return
        url = self.table.item(row, column).text()
        if url:
            QDesktopServices.openUrl(QUrl(url))

    def copy_url(self) -> str | None:
        dep = self._selected_deployment() or self.current_deployment()
        if dep is None or not dep.url:
            show_message("warning", "Select a deployment with a URL first.")
            return None
        QGuiApplication.clipboard().setText(dep.url)
        show_message("info", f"Copied {dep.url}")
        return str(dep.url)

    # ---------------------------------------------------------------- live chart
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_sampling()
        self._maybe_auto_check()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._sample_timer.stop()

    def _update_sampling(self) -> None:
        """Poll only while visible and the chosen target's newest deployment is healthy."""
        dep = self.current_deployment()
        wanted = self.isVisible() and self.slug is not None and dep is not None and dep.status == "healthy"
        key = (self.slug, dep.target_name) if wanted and dep is not None and self.slug else None
        if key != self._sample_key:
            self._reset_chart()
            self._sample_key = key
        if key is None:
            self._sample_timer.stop()
            return
        if not self._sample_timer.isActive():
            self._sample_timer.start()
            self.poll_sample()

    def poll_sample(self) -> None:
        key = self._sample_key
        if key is None or self._sampling or not self.isVisible():
            return
        slug, target = key
        self._sampling = True
        self._tasks.run(
            lambda: self._services.deploy_sample(slug, target),
            lambda sample: self._sampled(key, sample),
            self._sample_failed,
        )

    def _sample_failed(self, exc: BaseException) -> None:
        # A target that stops answering is shown on the chart title, not as a banner every 2 s.
        self._sampling = False
        self._set_title(self.lat_plot, f"Health latency: {user_message(exc)[1]}")

    def _sampled(self, key: tuple[str, str], sample: Any) -> None:
        self._sampling = False
        if key != self._sample_key:
            return
        self.samples.append(sample)
        del self.samples[:-MAX_SAMPLES]
        if self._t0 is None:
            self._t0 = sample.ts
        xs = [s.ts - self._t0 for s in self.samples]
        cpu = [s.cpu_percent for s in self.samples]
        mem = [s.memory_bytes / 1_048_576 for s in self.samples]
        lat_points = [(x, s.health_latency_ms) for x, s in zip(xs, self.samples, strict=True) if s.health_latency_ms is not None]
        self.cpu_curve.setData(xs, cpu)
        self.mem_curve.setData(xs, mem)
        self.lat_curve.setData([p[0] for p in lat_points], [p[1] for p in lat_points])
        lat = [p[1] for p in lat_points]
        for plot, values in ((self.cpu_plot, cpu), (self.mem_plot, mem), (self.lat_plot, lat)):
            plot.setXRange(max(0.0, xs[-1] - 600) - 0.5, max(20.0, xs[-1] * 1.05), padding=0)
            plot.setYRange(0, max(max(values, default=0) * 1.25, 1.0), padding=0)
        self._set_title(self.cpu_plot, f"Container CPU: {cpu[-1]:.1f} %")
        limit = f" of {sample.memory_limit_bytes / 1_073_741_824:.1f} GiB" if sample.memory_limit_bytes else ""
        self._set_title(self.mem_plot, f"Container memory: {mem[-1]:.0f} MiB{limit}")
        if sample.healthy and sample.health_latency_ms is not None:
            self._set_title(self.lat_plot, f"Health latency: {sample.health_latency_ms:.0f} ms")
        else:
            self._set_title(self.lat_plot, "Health latency: /health is not answering")

    def _reset_chart(self) -> None:
        self.samples = []
        self._t0 = None
        for curve in (self.cpu_curve, self.mem_curve, self.lat_curve):
            curve.setData([], [])
        self._set_title(self.cpu_plot, "Container CPU")
        self._set_title(self.mem_plot, "Container memory")
        self._set_title(self.lat_plot, "Health latency")

    def ready_for_screenshot(self, min_samples: int = 8) -> bool:
        """``--screenshot --tab deploy``: history loaded and, with a healthy deployment, a chart."""
        if self.slug is None or self._history_generation != self._generation:
            return False
        if self.checking or (self.target is not None and self._checked_target != self.target):
            return False
        dep = self.current_deployment()
        if dep is None or dep.status != "healthy":
            return True
        if len(self.samples) < min_samples:
            return False
        self._sample_timer.stop()  # freeze the chart so no sample job keeps the window busy
        return True

    def shutdown(self) -> None:
        self._sample_timer.stop()
