"""Builds tab: live log, phase and Docker-step progress, history and charts.

Everything here is fed by the ``EventBridge`` (live events, already on the GUI thread) or by
``TaskRunner`` jobs (history, past logs). Charts use pyqtgraph because it redraws thousands
of points cheaply, which keeps the loop free while a build streams.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.events import (
    PHASES,
    BuildFinished,
    MetricSample,
    PhaseChanged,
    StepProgress,
)
from pixel_desktop.gui.bridge import EventBridge
from pixel_desktop.gui.errors import show_message
from pixel_desktop.gui.logview import LogView
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner

pg.setConfigOptions(antialias=True, background="w", foreground="#444")

STATUS_COLORS = {
    "completed": "#1a7f37",
    "failed": "#cf222e",
    "cancelled": "#8c959f",
    "interrupted": "#bc4c00",
    "queued": "#57606a",
}
PHASE_COLORS = {"generating": "#8250df", "building": "#0969da", "testing": "#1a7f37", "pushing": "#bf8700"}
HISTORY_COLUMNS = ["#", "Status", "Started", "Duration", "Phases", "Image", "Size", "Digest"]
LOG_TAIL_LINES = 20_000


def _fmt_size(n: int | None) -> str:
    if not n:
        return ""
    return f"{n / 1_000_000:.1f} MB"


def _fmt_secs(s: float | None) -> str:
    if s is None:
        return ""
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def _duration(build: Any) -> float | None:
    if build.started_at and build.completed_at:
        return (build.completed_at - build.started_at).total_seconds()
    return None


class PhaseStrip(QWidget):
    """Phase chips (queued → … → pushing → result), current one highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self._chips: dict[str, QLabel] = {}
        for phase in (*PHASES, "done"):
            chip = QLabel(phase.capitalize())
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._chips[phase] = chip
            layout.addWidget(chip)
            if phase != "done":
                arrow = QLabel("›")
                arrow.setStyleSheet("color:#8c959f; font-size:14pt;")
                layout.addWidget(arrow)
        self.current = ""
        self.seen: set[str] = set()
        self.set_phase("")

    def reset(self, seen: set[str] | None = None) -> None:
        self.seen = set(seen or ())

    def set_phase(self, phase: str) -> None:
        """Highlight ``phase``; phases the build went through stay marked, skipped ones grey."""
        self.current = phase
        if phase in PHASES:
            self.seen.add(phase)
        elif not phase:
            self.seen = set()
        order = [*PHASES, "done"]
        terminal = phase not in PHASES and phase != ""
        index = len(order) - 1 if terminal else (order.index(phase) if phase in order else -1)
        for i, key in enumerate(order):
            chip = self._chips[key]
            if terminal and key == "done":
                color = STATUS_COLORS.get(phase, "#57606a")
                chip.setText(phase.capitalize())
                chip.setStyleSheet(f"background:{color}; color:white; border-radius:10px; padding:3px 10px; font-weight:600;")
            elif i == index:
                chip.setStyleSheet("background:#0969da; color:white; border-radius:10px; padding:3px 10px; font-weight:600;")
            elif i < index and key in self.seen:
                chip.setStyleSheet("background:#ddf4ff; color:#0969da; border-radius:10px; padding:3px 10px;")
            else:
                if key == "done":
                    chip.setText("Done")
                chip.setStyleSheet("background:#f6f8fa; color:#8c959f; border-radius:10px; padding:3px 10px;")


class BuildsTab(QWidget):
    build_selected = Signal(int)

    def __init__(self, services: Services, tasks: TaskRunner, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.slug: str | None = None
        self.build_id: int | None = None  # build whose log/progress/metrics are shown
        self.history: list[Any] = []
        self.samples: list[MetricSample] = []
        self._t0: float | None = None
        self._log_request = 0

        # --- progress header
        self.title = QLabel("No build yet")
        self.title.setObjectName("sectionTitle")
        # Error messages can be long: wrap them instead of widening the whole window.
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.phases = PhaseStrip()
        self.step_bar = QProgressBar()
        self.step_bar.setRange(0, 1)
        self.step_bar.setValue(0)
        self.step_bar.setFormat("Docker steps")
        self.step_bar.setTextVisible(True)
        self.step_bar.setMinimumWidth(200)
        head = QGridLayout()
        head.addWidget(self.title, 0, 0, 1, 2)
        head.addWidget(self.phases, 1, 0)
        head.addWidget(self.step_bar, 1, 1)
        head.setColumnStretch(1, 1)
        head.setHorizontalSpacing(16)

        # --- log panel
        self.log = LogView()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter lines…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.log.set_filter)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find…")
        self.find_edit.returnPressed.connect(lambda: self.log.find_next(self.find_edit.text()))
        self.follow_box = QCheckBox("Follow")
        self.follow_box.setChecked(True)
        self.follow_box.toggled.connect(lambda on: setattr(self.log, "follow", on))
        style = self.style()
        self.copy_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "Copy")
        self.copy_button.setToolTip("Copy the selected lines (or all visible lines)")
        self.copy_button.clicked.connect(self.copy_log)
        self.save_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton), "Save…")
        self.save_button.setToolTip("Save the complete log of this build (read from disk, not just the view)")
        self.save_button.clicked.connect(self._ask_save_log)
        log_bar = QHBoxLayout()
        log_bar.addWidget(self.filter_edit, 2)
        log_bar.addWidget(self.find_edit, 1)
        log_bar.addWidget(self.follow_box)
        log_bar.addWidget(self.copy_button)
        log_bar.addWidget(self.save_button)
        log_panel = QWidget()
        log_layout = QVBoxLayout(log_panel)
        log_layout.setContentsMargins(0, 0, 0, 0)
        self.skipped_label = QLabel("")
        self.skipped_label.setObjectName("hint")
        self.skipped_label.hide()
        log_layout.addLayout(log_bar)
        log_layout.addWidget(self.log, 1)
        log_layout.addWidget(self.skipped_label)
        QShortcut(QKeySequence.StandardKey.FindNext, self, activated=lambda: self.log.find_next(self.find_edit.text()))

        # --- charts
        self.cpu_plot = self._plot("Test container CPU", "%")
        self.cpu_curve = self.cpu_plot.plot(
            pen=pg.mkPen("#0969da", width=2), fillLevel=0, brush=(9, 105, 218, 40),
            symbol="o", symbolSize=7, symbolBrush="#0969da", symbolPen=None,
        )
        self.mem_plot = self._plot("Test container memory", "MiB")
        self.mem_curve = self.mem_plot.plot(
            pen=pg.mkPen("#8250df", width=2), fillLevel=0, brush=(130, 80, 223, 40),
            symbol="o", symbolSize=7, symbolBrush="#8250df", symbolPen=None,
        )
        self.phase_plot = self._plot("Phase durations (recent builds)", "s")
        self.phase_legend = self.phase_plot.addLegend(offset=(5, 2), labelTextSize="8pt", colCount=2)
        self.size_plot = self._plot("Image size over builds", "MB")
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        grid.addWidget(self.cpu_plot, 0, 0)
        grid.addWidget(self.mem_plot, 0, 1)
        grid.addWidget(self.phase_plot, 1, 0)
        grid.addWidget(self.size_plot, 1, 1)

        # --- history
        self.table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.table.setHorizontalHeaderLabels(HISTORY_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._history_selection)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(log_panel)
        top.addWidget(charts)
        top.setSizes([640, 560])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.table)
        main.setSizes([520, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(head)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color:#d0d7de;")
        layout.addWidget(line)
        layout.addWidget(main, 1)

        bridge.log_batch.connect(self._on_log_batch)
        bridge.phase_changed.connect(self._on_phase)
        bridge.step_progress.connect(self._on_step)
        bridge.metric_sample.connect(self._on_metric)
        bridge.build_finished.connect(self._on_finished)

    @staticmethod
    def _set_title(plot: pg.PlotWidget, title: str) -> None:
        plot.setTitle(f"<span style='font-size:9pt; color:#24292f'>{title}</span>")

    def _plot(self, title: str, unit: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        self._set_title(plot, title)
        plot.setLabel("left", unit)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setLabel("bottom", "s" if unit in ("%", "MiB") else "build")
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.setMinimumHeight(150)
        plot.getPlotItem().setContentsMargins(4, 4, 8, 4)
        return plot

    # ---------------------------------------------------------------- project / build selection
    def set_project(self, slug: str | None) -> None:
        if slug == self.slug:
            return
        self.slug = slug
        self.show_build(None)
        self.refresh_history()

    def refresh_history(self, select: int | None = None) -> None:
        slug = self.slug
        if slug is None:
            self._history_loaded(None, [], None)
            return
        self._tasks.run(
            lambda: self._services.list_builds(slug, limit=50),
            lambda builds: self._history_loaded(slug, builds, select),
            lambda exc: show_message("error", f"Cannot load the build history: {exc}"),
        )

    def show_build(self, build_id: int | None, *, live: bool = False) -> None:
        """Point the log, progress and metric views at ``build_id``."""
        self.build_id = build_id
        self.log.clear_log()
        self.skipped_label.hide()
        self.samples = []
        self._t0 = None
        self.cpu_curve.setData([], [])
        self.mem_curve.setData([], [])
        self._set_title(self.cpu_plot, "Test container CPU")
        self._set_title(self.mem_plot, "Test container memory")
        self.step_bar.setRange(0, 1)
        self.step_bar.setValue(0)
        self.step_bar.setFormat("Docker steps")
        self.phases.set_phase("queued" if live else "")
        if build_id is None:
            self.title.setText("No build selected")
            return
        self.title.setText(f"Build #{build_id}" + (" — running" if live else ""))
        if not live:
            self._load_past_log(build_id)

    def _load_past_log(self, build_id: int) -> None:
        self._log_request += 1
        request = self._log_request
        self._tasks.run(
            lambda: (self._services.get_build(build_id), self._services.read_log(build_id, tail=LOG_TAIL_LINES)),
            lambda result: self._past_log_loaded(request, build_id, *result),
            lambda exc: show_message("error", f"Cannot read the log of build #{build_id}: {exc}"),
        )

    def _past_log_loaded(self, request: int, build_id: int, build: Any, lines: list[str]) -> None:
        if request != self._log_request or build_id != self.build_id:
            return
        self.log.append_lines(lines)
        self.phases.reset({"queued", *(build.phases or {})})
        self.phases.set_phase(build.status)
        self.title.setText(self._build_title(build))

    def _build_title(self, build: Any) -> str:
        text = f"Build #{build.id} — {build.status}"
        if build.image_name:
            text += f" — {build.image_name}"
        if build.error_message:
            text += f" — {build.error_message}"
        return text

    # ---------------------------------------------------------------- live events
    def _on_log_batch(self, batch: list[Any], skipped: int) -> None:
        build_id = self.build_id
        if build_id is None:
            return
        lines = [e.text for e in batch if e.build_id == build_id]
        if not lines:
            return
        self.log.append_lines(lines, skipped)
        if self.log.lines_skipped:
            self.skipped_label.setText(
                f"{self.log.lines_skipped:,} lines came too fast to show live; "
                "Save… or Open full log has every line."
            )
            self.skipped_label.show()

    def _on_phase(self, event: PhaseChanged) -> None:
        if event.build_id == self.build_id:
            self.phases.set_phase(event.phase)
            self.title.setText(f"Build #{event.build_id} — {event.phase}")

    def _on_step(self, event: StepProgress) -> None:
        if event.build_id != self.build_id:
            return
        self.step_bar.setRange(0, max(event.total, 1))
        self.step_bar.setValue(event.step)
        instruction = event.instruction if len(event.instruction) < 60 else event.instruction[:57] + "…"
        self.step_bar.setFormat(f"Docker step {event.step}/{event.total}  {instruction}")

    def _on_metric(self, event: MetricSample) -> None:
        if event.build_id != self.build_id:
            return
        self.samples.append(event)
        if self._t0 is None:
            self._t0 = event.ts
        xs = [s.ts - self._t0 for s in self.samples]
        cpu = [s.cpu_percent for s in self.samples]
        mem = [s.memory_bytes / 1_048_576 for s in self.samples]
        self.cpu_curve.setData(xs, cpu)
        self.mem_curve.setData(xs, mem)
        # Time from the first sample, at least 10 s wide; values from zero: a short test run
        # with one or two samples still reads as a chart, not a dot in a ±0.5 box.
        for plot, values in ((self.cpu_plot, cpu), (self.mem_plot, mem)):
            plot.setXRange(-0.5, max(10.0, xs[-1] * 1.05), padding=0)
            plot.setYRange(0, max(max(values) * 1.25, 1.0), padding=0)
        self._set_title(self.cpu_plot, f"Test container CPU: {cpu[-1]:.0f} %")
        self._set_title(self.mem_plot, f"Test container memory: {mem[-1]:.0f} MiB")

    def _on_finished(self, event: BuildFinished) -> None:
        if event.build_id == self.build_id:
            self.phases.set_phase(event.status)
            self.step_bar.setValue(self.step_bar.maximum() if event.status == "completed" else self.step_bar.value())
            text = f"Build #{event.build_id} — {event.status}"
            if event.error:
                text += f" — {event.error}"
            self.title.setText(text)
        self.refresh_history()

    # ---------------------------------------------------------------- history + charts
    def _history_loaded(self, slug: str | None, builds: list[Any], select: int | None) -> None:
        if slug != self.slug:
            return
        self.history = builds
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for build in builds:
            r = self.table.rowCount()
            self.table.insertRow(r)
            phases = ", ".join(f"{k} {_fmt_secs(v)}" for k, v in (build.phases or {}).items())
            started = build.started_at or build.created_at
            values = [
                str(build.id),
                build.status,
                started.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(started, dt.datetime) else "",
                _fmt_secs(_duration(build)),
                phases,
                build.pushed_ref or build.image_name or "",
                _fmt_size(build.size_bytes),
                (build.digest or "")[:19],
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, build.id)
                if c == 1:
                    item.setForeground(pg.mkColor(STATUS_COLORS.get(build.status, "#0969da")))
                if c == 7 and build.digest:
                    item.setToolTip(build.digest)
                if c == 5 and build.error_message:
                    item.setToolTip(build.error_message)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if select is not None:
            self.select_history(select)
        self._update_history_charts()

    def select_history(self, build_id: int) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == build_id:
                self.table.selectRow(r)
                return

    def _history_selection(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        build_id = items[0].data(Qt.ItemDataRole.UserRole)
        if build_id != self.build_id:
            build = next((b for b in self.history if b.id == build_id), None)
            self.show_build(build_id, live=build is not None and build.status in PHASES)
            if build is not None and build.status in PHASES:
                self._load_past_log(build_id)
        self.build_selected.emit(build_id)

    def _update_history_charts(self) -> None:
        recent = list(reversed(self.history[:12]))  # oldest → newest
        self.phase_plot.clear()
        self.phase_legend.clear()
        xs = list(range(len(recent)))
        bottoms = [0.0] * len(recent)
        for phase, color in PHASE_COLORS.items():
            heights = [float((b.phases or {}).get(phase, 0.0)) for b in recent]
            if not any(heights):
                continue
            bars = pg.BarGraphItem(x=xs, height=heights, y0=bottoms, width=0.6, brush=color, pen=pg.mkPen(None), name=phase)
            self.phase_plot.addItem(bars)  # named items join the legend
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        ticks = [[(i, f"#{b.id}") for i, b in enumerate(recent)]]
        self.phase_plot.getAxis("bottom").setTicks(ticks)
        if recent:
            # Headroom above the tallest bar keeps the legend off the bars.
            self.phase_plot.setYRange(0, max(max(bottoms), 1.0) * 1.7, padding=0)
            self.phase_plot.setXRange(-0.6, max(len(recent) - 0.4, 2.4), padding=0)
        sized = [b for b in recent if b.size_bytes]
        self.size_plot.clear()
        if sized:
            self.size_plot.plot(
                list(range(len(sized))),
                [b.size_bytes / 1_000_000 for b in sized],
                pen=pg.mkPen("#1a7f37", width=2),
                symbol="o",
                symbolBrush="#1a7f37",
                symbolSize=7,
            )
            self.size_plot.getAxis("bottom").setTicks([[(i, f"#{b.id}") for i, b in enumerate(sized)]])

    # ---------------------------------------------------------------- copy / save
    def copy_log(self) -> None:
        cursor = self.log.textCursor()
        text = cursor.selectedText().replace("\u2029", "\n") if cursor.hasSelection() else self.log.visible_text()
        QGuiApplication.clipboard().setText(text)

    def _ask_save_log(self) -> None:
        if self.build_id is None:
            show_message("warning", "Select a build in the history first; its complete log is then saved.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save build log", f"build-{self.build_id}.log", "Log files (*.log *.txt)")
        if path:
            self.save_log(self.build_id, Path(path))

    def save_log(self, build_id: int, path: Path) -> None:
        def work() -> int:
            lines = self._services.read_log(build_id)
            tmp = path.with_name(path.name + ".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                for line in lines:
                    fh.write(line.rstrip("\n") + "\n")
            tmp.replace(path)
            return len(lines)

        self._tasks.run(
            work,
            lambda n: show_message("info", f"Saved {n} lines of build #{build_id} to {path}."),
            lambda exc: show_message("error", f"Cannot save the log to {path}: {exc}"),
        )
