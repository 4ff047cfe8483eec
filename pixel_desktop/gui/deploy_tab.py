"""Deploy tab: pick a target and a build, check, deploy, cancel, roll back, watch it live.

A thin view: ``deploy_controller.DeployController`` holds the state and makes every
decision (it is tested without widgets); this module builds the widgets, draws what the
controller says (``DeployView``) and forwards clicks, timer ticks and the bridge's deploy
events to it. The history is a ``DeploymentHistoryModel`` with named columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QWidget,
)

from pixel_desktop.gui import theme
from pixel_desktop.gui.bridge import EventBridge
from pixel_desktop.gui.deploy_chart import CHART_WINDOW_S, Chart
from pixel_desktop.gui.deploy_controller import (
    CHECK_HINT,
    Buttons,
    Choice,
    DeployController,
    Operations,
)
from pixel_desktop.gui.deploy_format import VIA_CHOICES, Deployment
from pixel_desktop.gui.deploy_history_model import Column, DeploymentHistoryModel, DeploymentIdRole
from pixel_desktop.gui.deploy_log_dialog import DeploymentLogDialog
from pixel_desktop.gui.errors import show_message
from pixel_desktop.gui.operations.deploys import DeployServices, Sample, TargetCheck
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.gui.widgets.charts import LiveChart
from pixel_desktop.gui.widgets.layout import (
    STRETCH,
    grid,
    hbox,
    hline,
    margins,
    splitter,
    vbox,
    widget,
)

SAMPLE_INTERVAL_MS = 2_000
VERDICT_STYLES = {
    "": "",
    "ok": f"color:{theme.SUCCESS}; font-weight:600;",
    "bad": f"color:{theme.DANGER}; font-weight:600;",
}


class DeployTab(QWidget):
    def __init__(self, services: DeployServices, tasks: TaskRunner, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()

        # --- controls
        self.target_combo = QComboBox()
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target_combo.setMinimumWidth(160)
        self.check_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton), "Check target")
        self.check_button.setToolTip("Reachable? Docker version, free port and disk on the target")
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
        self.rollback_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Rollback")
        self.rollback_button.setToolTip("Redeploy the previous healthy deployment (a different image) on this target")
        self.cancel_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_BrowserStop), "Cancel")
        self.cancel_button.setToolTip(
            "Stop this deploy or rollback at the next safe point: the new container is removed "
            "and the previous version keeps serving"
        )
        self.cancel_button.hide()
        self.verdict_label = QLabel(CHECK_HINT)
        self.verdict_label.setObjectName("hint")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.verdict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)  # the verdict quotes the daemon

        # Two rows keep the tab narrow enough for a 1100 px window: target + its verdict, then
        # what to deploy and the actions.
        controls = grid(
            0, 6,
            (QLabel("Target"), 0, 0), (self.target_combo, 0, 1), (self.check_button, 0, 2),
            (self.verdict_label, 0, 3, 1, 5),
            (QLabel("Build"), 1, 0), (self.build_combo, 1, 1), (QLabel("Via"), 1, 2),
            (self.via_combo, 1, 3), (self.deploy_button, 1, 5), (self.cancel_button, 1, 6),
            (self.rollback_button, 1, 7),
        )
        controls.setHorizontalSpacing(8)
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

        # --- live charts
        chart_options = {"symbol_size": 5, "min_height": 110, "min_span": 20.0, "window": CHART_WINDOW_S}
        self.cpu_plot = LiveChart("Container CPU", "%", theme.ACCENT, **chart_options)  # type: ignore[arg-type]
        self.mem_plot = LiveChart("Container memory", "MiB", theme.DONE, **chart_options)  # type: ignore[arg-type]
        self.lat_plot = LiveChart("Health latency", "ms", theme.SUCCESS, **chart_options)  # type: ignore[arg-type]

        # --- history
        self.history_model = DeploymentHistoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.history_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setMouseTracking(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.ERROR, QHeaderView.ResizeMode.Stretch)
        self.copy_url_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "Copy URL")
        self.copy_url_button.setToolTip("Copy the selected deployment's URL (click a URL to open it)")
        self.logs_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView), "Logs")
        self.logs_button.setToolTip("Follow the log of this project's container (or Swarm service) on the target")
        self.stop_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Stop")
        self.stop_button.setToolTip("Stop this project's deployment on the target; the container is kept until the next deploy")
        self.remove_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon), "Remove…")
        self.remove_button.setToolTip("Remove this project's containers (or Swarm service) from the target; the history stays")
        history_title = QLabel("Deployment history")
        history_title.setObjectName("sectionTitle")
        history_panel = widget(
            margins(vbox(0, 6, hbox(
                        0, 6, history_title, STRETCH, self.logs_button, self.stop_button,
                        self.remove_button, self.copy_url_button,
                    ), (self.table, 1)), 0, 4, 0, 0)
        )

        charts = widget(vbox(0, 6, self.cpu_plot, self.mem_plot, self.lat_plot))
        top = splitter(Qt.Orientation.Horizontal, widget(vbox(0, 6, (self.stage_log, 1))), charts, sizes=[560, 640])
        main = splitter(Qt.Orientation.Vertical, top, history_panel, sizes=[470, 230])
        self.setLayout(margins(vbox(0, 6, controls, hline(), self.title, (main, 1)), 12, 10, 12, 10))

        self._sample_timer = QTimer(self)
        self._sample_timer.setInterval(SAMPLE_INTERVAL_MS)

        self.controller = DeployController(services, tasks, self)

        self.target_combo.currentIndexChanged.connect(
            lambda _i: self.controller.select_target(self.target_combo.currentData())
        )
        self.build_combo.currentIndexChanged.connect(
            lambda _i: self.controller.select_build(self.build_combo.currentData())
        )
        self.via_combo.currentIndexChanged.connect(
            lambda _i: self.controller.select_via(self.via_combo.currentData())
        )
        self.check_button.clicked.connect(self.check_target)
        self.deploy_button.clicked.connect(self.deploy)
        self.rollback_button.clicked.connect(self.rollback)
        self.cancel_button.clicked.connect(self.cancel)
        self.copy_url_button.clicked.connect(self.copy_url)
        self.logs_button.clicked.connect(self.controller.open_log)
        self.stop_button.clicked.connect(self.controller.stop)
        self.remove_button.clicked.connect(self.controller.remove)
        self._services, self._tasks = services, tasks
        self.log_dialog: DeploymentLogDialog | None = None
        self.table.clicked.connect(self._cell_clicked)
        self._sample_timer.timeout.connect(self.controller.poll_sample)
        bridge.deploy_progress.connect(self._on_progress)
        bridge.deploy_finished.connect(self._on_finished)
        self.show_buttons(self.controller.buttons())
        self.show_operations(self.controller.operations())

    # ---------------------------------------------------------------- state, read from the controller
    @property
    def target(self) -> str | None:
        return self.controller.target

    @property
    def build_id(self) -> int | None:
        return self.controller.build_id

    @property
    def via(self) -> str | None:
        return self.controller.via

    @property
    def running(self) -> bool:
        return self.controller.running

    @property
    def checking(self) -> int:
        return self.controller.checking

    @property
    def last_record(self) -> Deployment | None:
        return self.controller.last_record

    @property
    def last_check(self) -> TargetCheck | None:
        return self.controller.last_check

    @property
    def history(self) -> list[Deployment]:
        return self.controller.history

    @property
    def samples(self) -> list[Sample]:
        return self.controller.samples

    # The charts' series (each chart's plot is made on first use: widgets.charts).
    @property
    def cpu_curve(self) -> Any:
        return self.cpu_plot.curve

    @property
    def mem_curve(self) -> Any:
        return self.mem_plot.curve

    @property
    def lat_curve(self) -> Any:
        return self.lat_plot.curve

    # ---------------------------------------------------------------- what the window calls
    def set_project(self, slug: str | None) -> None:
        self.controller.set_project(slug)

    def refresh(self) -> None:
        self.controller.refresh()

    def refresh_history(self) -> None:
        self.controller.refresh_history()

    def check_target(self) -> None:
        self.controller.check_target()

    def deploy(self) -> None:
        self.controller.deploy()

    def rollback(self) -> None:
        self.controller.rollback()

    def cancel(self) -> None:
        self.controller.cancel()

    def copy_url(self) -> str | None:
        return self.controller.copy_url()

    def ready_for_screenshot(self, min_samples: int = 8) -> bool:
        return self.controller.ready_for_screenshot(min_samples)

    def shutdown(self) -> None:
        self.controller.shutdown()
        if self.log_dialog is not None:
            self.log_dialog.close()

    def select_deployment(self, deployment_id: int) -> None:
        row = self.history_model.row_of(deployment_id)
        if row is not None:
            self.table.selectRow(row)

    # ---------------------------------------------------------------- events and clicks
    def _on_progress(self, event: object) -> None:
        self.controller.on_progress(
            event.deployment_id, event.stage, event.message, event.ts  # type: ignore[attr-defined]
        )

    def _on_finished(self, event: object) -> None:
        self.controller.on_finished(
            event.deployment_id, event.status, event.url, event.error, event.ts  # type: ignore[attr-defined]
        )

    def _cell_clicked(self, index: QModelIndex) -> None:
        if index.column() != Column.URL:
            return
        url = self.history_model.text(index.row(), Column.URL)
        if url:
            QDesktopServices.openUrl(QUrl(url))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.controller.update_sampling()
        self.controller.maybe_auto_check()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.controller.hidden()

    # ---------------------------------------------------------------- DeployView
    def show_targets(self, choices: Sequence[Choice], selected: str | None) -> None:
        self._fill(self.target_combo, choices, selected)

    def show_builds(self, choices: Sequence[Choice], selected: int | None) -> None:
        self._fill(self.build_combo, choices, selected)

    @staticmethod
    def _fill(combo: QComboBox, choices: Sequence[Choice], selected: str | int | None) -> None:
        """Refill without a signal per item: the controller already knows the selection."""
        combo.blockSignals(True)
        combo.clear()
        for choice in choices:
            combo.addItem(choice.text, choice.value)
            if choice.tip:
                combo.setItemData(combo.count() - 1, choice.tip, Qt.ItemDataRole.ToolTipRole)
        index = combo.findData(selected) if selected is not None else -1
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def show_history(self, rows: Sequence[Deployment], selected_id: int | None, now: Mapping[int, str]) -> None:
        self.history_model.set_history(rows, now)
        if selected_id is not None:
            self.select_deployment(selected_id)

    def show_title(self, rich_text: str) -> None:
        self.title.setText(rich_text)

    def show_verdict(self, text: str, tone: str) -> None:
        self.verdict_label.setStyleSheet(VERDICT_STYLES.get(tone, ""))
        self.verdict_label.setText(text)

    def set_log(self, text: str) -> None:
        self.stage_log.setPlainText(text)

    def append_log(self, line: str) -> None:
        self.stage_log.appendPlainText(line)

    def show_buttons(self, buttons: Buttons) -> None:
        self.deploy_button.setEnabled(buttons.deploy)
        self.rollback_button.setEnabled(buttons.rollback)
        self.check_button.setEnabled(buttons.check)
        self.cancel_button.setVisible(buttons.cancel_visible)
        self.cancel_button.setEnabled(buttons.cancel)
        for picker in (self.target_combo, self.build_combo, self.via_combo):
            picker.setEnabled(buttons.pickers)

    def show_chart(self, chart: Chart) -> None:
        for plot, series in ((self.cpu_plot, chart.cpu), (self.mem_plot, chart.memory), (self.lat_plot, chart.latency)):
            plot.show_series(series.xs, series.ys, last_x=chart.last_x)
            plot.set_title_text(series.title)

    def reset_chart(self) -> None:
        for plot in (self.cpu_plot, self.mem_plot, self.lat_plot):
            plot.reset()

    def set_sampling(self, on: bool) -> None:
        if on:
            self._sample_timer.start()
        else:
            self._sample_timer.stop()

    def is_visible(self) -> bool:
        return self.isVisible()

    def selected_deployment_id(self) -> int | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows:
            return None
        value = self.history_model.data(rows[0], DeploymentIdRole)
        return int(value) if isinstance(value, int) else None

    def message(self, level: str, text: str) -> None:
        show_message(level, text)

    def copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    def show_operations(self, operations: Operations) -> None:
        self.logs_button.setEnabled(operations.logs)
        self.stop_button.setEnabled(operations.stop)
        self.remove_button.setEnabled(operations.remove)

    def confirm(self, title: str, text: str, action: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is yes

    def open_log(self, slug: str, target: str) -> None:
        """One log window at a time: another project or target replaces it."""
        dialog = self.log_dialog
        if dialog is not None and (dialog.slug, dialog.target) == (slug, target):
            dialog.raise_()
            dialog.activateWindow()
            return
        if dialog is not None:
            dialog.close()
        dialog = DeploymentLogDialog(self._services, self._tasks, slug, target, self)
        dialog.destroyed.connect(lambda _obj=None, d=dialog: self._log_closed(d))
        self.log_dialog = dialog
        dialog.show()

    def _log_closed(self, dialog: DeploymentLogDialog) -> None:
        if self.log_dialog is dialog:
            self.log_dialog = None
