"""Builds tab widgets: live log, phase strip, Docker-step bar, charts and the history table.

Thin on purpose: what to show for an event, which build is followed and which background
operation runs are decided by ``builds_controller.BuildsController``; this module draws what
it asks (:class:`~pixel_desktop.gui.builds_controller.BuildsView`) and turns clicks into
controller calls. Live events come from the window's one ``EventBridge``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QToolButton,
    QWidget,
)

from pixel_desktop.events import PHASES as RUNNING_PHASES
from pixel_desktop.events import JobRef
from pixel_desktop.gui import builds_format as fmt
from pixel_desktop.gui import theme
from pixel_desktop.gui.bridge import EventBridge
from pixel_desktop.gui.builds_controller import BuildsController, Chip, PhaseTrack
from pixel_desktop.gui.builds_model import BUILD_ID_ROLE, BuildHistoryModel, Column
from pixel_desktop.gui.errors import show_message
from pixel_desktop.gui.logview import LogView
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.gui.widgets.charts import BuildBarsChart, LiveChart
from pixel_desktop.gui.widgets.layout import grid, hbox, hline, margins, splitter, vbox, widget

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord
    from pixel_desktop.events import MetricSample

RECENT_BUILDS_CHARTED = 12
_CHIP = "border-radius:10px; padding:3px 10px;"
CHIP_STYLES = {
    "current": f"background:{theme.ACCENT}; color:white; {_CHIP} font-weight:600;",
    "passed": f"background:{theme.ACCENT_SUBTLE}; color:{theme.ACCENT}; {_CHIP}",
    "pending": f"background:{theme.CANVAS_SUBTLE}; color:{theme.SUBTLE}; {_CHIP}",
}


class PhaseStrip(QWidget):
    """Phase chips (queued → … → pushing → result), drawn from the controller's chips."""

    def __init__(self, chips: Sequence[Chip], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: dict[str, QLabel] = {}
        items: list[QWidget] = []
        for i, chip in enumerate(chips):
            label = QLabel(chip.text)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._labels[chip.key] = label
            items.append(label)
            if i < len(chips) - 1:
                arrow = QLabel("›")
                arrow.setStyleSheet(f"color:{theme.SUBTLE}; font-size:14pt;")
                items.append(arrow)
        self.setLayout(hbox(0, 6, *items))
        self.show_chips(chips)

    def show_chips(self, chips: Sequence[Chip]) -> None:
        for chip in chips:
            label = self._labels[chip.key]
            label.setText(chip.text)
            if chip.kind == "result":
                color = theme.BUILD_STATUS_COLORS.get(chip.status, theme.MUTED)
                label.setStyleSheet(f"background:{color}; color:white; {_CHIP} font-weight:600;")
            else:
                label.setStyleSheet(CHIP_STYLES[chip.kind])


class BuildsTab(QWidget):
    build_selected = Signal(int)
    # The shown build's phase chips were redrawn (a live event, or a past build loaded):
    # whether it is still running may have changed (the window's Cancel follows it).
    phase_shown = Signal()

    def __init__(self, services: Services, tasks: TaskRunner, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = BuildsController(
            services, tasks, self, job_history=lambda build_id: services.bus.history(JobRef("build", build_id))
        )

        # --- progress header
        self.title = QLabel("No build yet")
        self.title.setObjectName("sectionTitle")
        # Error messages can be long: wrap them instead of widening the whole window.
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.phase_strip = PhaseStrip(self.controller.phases.chips())
        self.step_bar = QProgressBar()
        self.step_bar.setRange(0, 1)
        self.step_bar.setValue(0)
        self.step_bar.setFormat("Docker steps")
        self.step_bar.setTextVisible(True)
        self.step_bar.setMinimumWidth(200)
        self._header_actions = hbox(0, 4)
        head = grid(0, 6, (self.title, 0, 0, 1, 2), (self.phase_strip, 1, 0), (self.step_bar, 1, 1), (self._header_actions, 1, 2))
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
        self.skipped_label = QLabel("")
        self.skipped_label.setObjectName("hint")
        self.skipped_label.hide()
        log_bar = hbox(0, 6, (self.filter_edit, 2), (self.find_edit, 1), self.follow_box, self.copy_button, self.save_button)
        log_panel = widget(vbox(0, 6, log_bar, (self.log, 1), self.skipped_label))
        find_next = QShortcut(QKeySequence(QKeySequence.StandardKey.FindNext), self)
        find_next.activated.connect(lambda: self.log.find_next(self.find_edit.text()))

        # --- charts
        self.cpu_plot = LiveChart("Test container CPU", "%", theme.ACCENT)
        self.mem_plot = LiveChart("Test container memory", "MiB", theme.DONE)
        self.phase_plot = BuildBarsChart("Phase durations (recent builds)", "s")
        self.size_plot = BuildBarsChart("Image size over builds", "MB")
        charts = widget(grid(0, 8, (self.cpu_plot, 0, 0), (self.mem_plot, 0, 1), (self.phase_plot, 1, 0), (self.size_plot, 1, 1)))

        # --- history
        self.history_model = BuildHistoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.history_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.PHASES, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._history_selection)

        top = splitter(Qt.Orientation.Horizontal, log_panel, charts, sizes=[640, 560])
        main = splitter(Qt.Orientation.Vertical, top, self.table, sizes=[520, 200])
        self.setLayout(margins(vbox(0, 6, head, hline(), (main, 1)), 12, 10, 12, 10))

        bridge.log_batch.connect(self.controller.on_log_batch)
        bridge.phase_changed.connect(self.controller.on_phase)
        bridge.step_progress.connect(self.controller.on_step)
        bridge.metric_sample.connect(self.controller.on_metric)
        bridge.build_finished.connect(self.controller.on_finished)

    # ---------------------------------------------------------------- public (MainWindow, tests)
    @property
    def build_id(self) -> int | None:
        """The build whose log, progress and samples are shown."""
        return self.controller.build_id

    @property
    def cpu_curve(self) -> Any:
        """The live CPU series (the chart's plot is made on first use)."""
        return self.cpu_plot.curve

    @property
    def mem_curve(self) -> Any:
        return self.mem_plot.curve

    @property
    def history(self) -> list[BuildRecord]:
        return self.controller.history

    @property
    def samples(self) -> list[MetricSample]:
        return self.controller.samples

    @property
    def phases(self) -> PhaseTrack:
        return self.controller.phases

    def add_header_action(self, action: QAction) -> None:
        """A button beside the step bar (the window's "Open full log")."""
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._header_actions.addWidget(button)

    def set_project(self, slug: str | None) -> None:
        self.controller.set_project(slug)

    def refresh_history(self, select: int | None = None) -> None:
        self.controller.refresh_history(select)

    def show_build(self, build_id: int | None, *, live: bool = False) -> None:
        self.controller.show_build(build_id, live=live)

    def select_history(self, build_id: int) -> None:
        row = self.history_model.row_of(build_id)
        if row is not None:
            self.table.selectRow(row)

    def copy_log(self) -> None:
        cursor = self.log.textCursor()
        text = cursor.selectedText().replace("\u2029", "\n") if cursor.hasSelection() else self.log.visible_text()
        QGuiApplication.clipboard().setText(text)

    def save_log(self, build_id: int, path: Path) -> None:
        self.controller.save_log(build_id, path)

    # ---------------------------------------------------------------- BuildsView (drawn for the controller)
    def clear_live(self) -> None:
        self.log.clear_log()
        self.skipped_label.hide()
        self.cpu_plot.reset()
        self.mem_plot.reset()

    def show_title(self, text: str) -> None:
        self.title.setText(text)

    def show_chips(self, chips: Sequence[Chip]) -> None:
        self.phase_strip.show_chips(chips)
        self.phase_shown.emit()

    def shown_build_running(self) -> bool:
        """The shown build has not ended, whichever process or worker runs it."""
        return self.build_id is not None and self.phases.current in RUNNING_PHASES

    def show_steps(self, value: int, maximum: int, text: str) -> None:
        self.step_bar.setRange(0, maximum)
        self.step_bar.setValue(value)
        self.step_bar.setFormat(text)

    def append_log(self, lines: list[str], skipped: int) -> None:
        self.log.append_lines(lines, skipped)
        if self.log.lines_skipped:
            self.skipped_label.setText(fmt.skipped_notice(self.log.lines_skipped))
            self.skipped_label.show()

    def show_samples(self, xs: list[float], cpu: list[float], mem_mib: list[float]) -> None:
        self.cpu_plot.show_series(xs, cpu)
        self.mem_plot.show_series(xs, mem_mib)
        self.cpu_plot.set_title_text(f"Test container CPU: {cpu[-1]:.0f} %")
        self.mem_plot.set_title_text(f"Test container memory: {mem_mib[-1]:.0f} MiB")

    def show_history(self, builds: list[BuildRecord], select: int | None) -> None:
        self.table.selectionModel().blockSignals(True)
        self.history_model.set_builds(builds)
        self.table.selectionModel().blockSignals(False)
        if select is not None:
            self.select_history(select)
        self._show_history_charts(builds)

    def update_history_row(self, build: BuildRecord) -> None:
        self.history_model.replace_build(build)

    def show_message(self, level: str, text: str) -> None:
        show_message(level, text)

    # ---------------------------------------------------------------- private
    def _history_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        build_id = int(indexes[0].data(BUILD_ID_ROLE))
        self.controller.history_selected(build_id)
        self.build_selected.emit(build_id)

    def _show_history_charts(self, builds: list[BuildRecord]) -> None:
        recent = list(reversed(builds[:RECENT_BUILDS_CHARTED]))  # oldest → newest
        ids = [b.id for b in recent]
        stacks = {
            phase: (color, [float((b.phases or {}).get(phase, 0.0)) for b in recent])
            for phase, color in theme.PHASE_COLORS.items()
        }
        self.phase_plot.show_stacked(ids, stacks)
        sized = [b for b in recent if b.size_bytes]
        self.size_plot.show_line([b.id for b in sized], [(b.size_bytes or 0) / 1_000_000 for b in sized], theme.SUCCESS)

    def _ask_save_log(self) -> None:
        build_id = self.build_id
        if build_id is None:
            show_message("warning", "Select a build in the history first; its complete log is then saved.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save build log", f"build-{build_id}.log", "Log files (*.log *.txt)")
        if path:
            self.save_log(build_id, Path(path))
