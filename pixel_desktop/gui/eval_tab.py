"""Evaluate tab widgets: load a question,expected CSV, pick a build, run it, see the misses.

Thin on purpose: what is checked, when Run is live, what a late answer may still change and
every sentence shown are decided by ``eval_controller.EvalController`` (tested without Qt);
this module draws what it asks (:class:`~pixel_desktop.gui.eval_controller.EvalView`) and
turns clicks into controller calls. The run's progress is reported on a worker thread; a
signal of a main-thread object queues it to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.gui import eval_format as fmt
from pixel_desktop.gui import theme
from pixel_desktop.gui.errors import show_message
from pixel_desktop.gui.eval_controller import Buttons, EvalController, Progress
from pixel_desktop.gui.eval_format import BuildChoice, Column, Summary
from pixel_desktop.gui.eval_misses_model import MissesModel
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.gui.widgets.layout import hbox, hline, margins, vbox

if TYPE_CHECKING:
    from pixel_desktop.app.eval import CaseResult, EvalPlan, EvalReport

__all__ = ["Column", "EvalTab", "MissesModel"]
TONE_COLORS = {"ok": theme.SUCCESS, "bad": theme.DANGER}


class _GuiThreadRelay(QObject):
    """Created on the GUI thread: emitting from a worker queues the call to the GUI thread."""

    call = Signal(object)  # Callable[[], None]


class EvalTab(QWidget):
    def __init__(self, services: Services, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.controller = EvalController(services, tasks, self)
        self._relay = _GuiThreadRelay(self)
        self._relay.call.connect(lambda fn: fn())
        style = self.style()

        # --- controls
        self.file_label = QLabel(fmt.NO_FILE)
        self.file_label.setObjectName("hint")
        self.file_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.load_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton), "Load CSV…")
        self.load_button.setToolTip(
            "A CSV with the columns question,expected (expected: an FAQ question, fallback, rule:NAME or document:TITLE)"
        )
        self.load_button.clicked.connect(self.ask_csv)
        self.build_combo = QComboBox()
        self.build_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.build_combo.setMinimumWidth(220)
        self.build_combo.currentIndexChanged.connect(self._build_picked)
        self.run_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Run")
        self.run_button.setObjectName("primary")
        self.run_button.setToolTip("Start the build's image on 127.0.0.1, ask every question, remove the container")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        controls = QGridLayout()
        controls.setHorizontalSpacing(8)
        controls.addWidget(QLabel("Questions"), 0, 0)
        controls.addLayout(hbox(0, 6, self.load_button, (self.file_label, 1)), 0, 1, 1, 4)
        controls.addWidget(QLabel("Build"), 1, 0)
        controls.addWidget(self.build_combo, 1, 1)
        controls.addWidget(self.run_button, 1, 2)
        controls.addWidget(self.cancel_button, 1, 3)
        controls.setColumnStretch(4, 1)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m questions")

        # --- summary
        self.accuracy_value = _stat()
        self.fallback_value = _stat()
        self.p50_value = _stat()
        self.p99_value = _stat()
        summary = hbox(
            0,
            24,
            *(
                _captioned(title, value)
                for title, value in (
                    ("Accuracy", self.accuracy_value),
                    ("Fallback rate", self.fallback_value),
                    ("Latency p50", self.p50_value),
                    ("Latency p99", self.p99_value),
                )
            ),
            1,
        )

        # What changed since the last run of the same file on another build (hidden until then).
        self.since_label = QLabel()
        self.since_label.setWordWrap(True)
        self.since_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.since_label.hide()

        # --- misses
        self.misses_title = QLabel()
        self.misses_title.setObjectName("sectionTitle")
        self.misses = MissesModel(self)
        self.table = QTableView()
        self.table.setModel(self.misses)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.LINE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.GOT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Column.SCORE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.BEFORE, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnHidden(Column.BEFORE, True)  # until a run is compared with an earlier one
        self.table.setColumnWidth(Column.QUESTION, 300)
        self.table.setColumnWidth(Column.EXPECTED, 280)
        hint = QLabel(fmt.HINT)
        hint.setObjectName("hint")
        hint.setWordWrap(True)

        body = vbox(
            0, 6, controls, self.status_label, self.progress, hline(), summary, self.since_label, self.misses_title,
            (self.table, 1), hint
        )
        self.setLayout(margins(body, 12, 10, 12, 10))
        self.controller.start()

    # ---------------------------------------------------------------- public (MainWindow, app, tests)
    @property
    def slug(self) -> str | None:
        return self.controller.slug

    @property
    def build_id(self) -> int | None:
        return self.controller.build_id

    @property
    def csv_path(self) -> Path | None:
        return self.controller.csv_path

    @property
    def plan(self) -> EvalPlan | None:
        return self.controller.plan

    @property
    def report(self) -> EvalReport | None:
        return self.controller.report

    @property
    def running(self) -> bool:
        return self.controller.running

    def set_project(self, slug: str | None) -> None:
        self.controller.set_project(slug)

    def refresh(self) -> None:
        self.controller.refresh()

    def load_csv(self, path: Path) -> None:
        self.controller.load_csv(path)

    def run(self) -> None:
        self.controller.run()

    def cancel(self) -> None:
        self.controller.cancel()

    def shutdown(self) -> None:
        self.controller.shutdown()

    def ready_for_screenshot(self) -> bool:
        return self.controller.ready()

    def ask_csv(self) -> None:
        start = str(self.csv_path.parent) if self.csv_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Load questions", start, "CSV (*.csv);;All files (*)")
        if path:
            self.load_csv(Path(path))

    # ---------------------------------------------------------------- EvalView (drawn for the controller)
    def show_builds(self, choices: Sequence[BuildChoice], selected: int | None) -> None:
        combo = self.build_combo
        combo.blockSignals(True)
        combo.clear()
        for i, choice in enumerate(choices):
            combo.addItem(choice.text, choice.build_id)
            combo.setItemData(i, choice.tip, Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(max(combo.findData(selected), 0) if selected is not None else 0)
        combo.blockSignals(False)

    def show_csv(self, path: Path) -> None:
        self.file_label.setText(str(path))
        self.file_label.setToolTip(str(path))

    def show_status(self, text: str, tone: str) -> None:
        self.status_label.setText(text)
        color = TONE_COLORS.get(tone)
        self.status_label.setStyleSheet(f"color:{color};" if color else "")

    def show_progress(self, progress: Progress) -> None:
        self.progress.setRange(0, progress.maximum)
        self.progress.setValue(progress.value)
        self.progress.setTextVisible(progress.text_visible)

    def show_report(
        self, summary: Summary, misses: Sequence[CaseResult], before: Mapping[int, CaseResult] | None
    ) -> None:
        self.accuracy_value.setText(summary.accuracy)
        self.fallback_value.setText(summary.fallback_rate)
        self.p50_value.setText(summary.p50)
        self.p99_value.setText(summary.p99)
        self.misses_title.setText(summary.misses_title)
        self.since_label.setText(summary.since)
        self.since_label.setVisible(bool(summary.since))
        self.misses.set_misses(misses, before)
        self.table.setColumnHidden(Column.BEFORE, before is None)

    def show_buttons(self, buttons: Buttons) -> None:
        self.run_button.setEnabled(buttons.run)
        self.cancel_button.setEnabled(buttons.cancel)
        self.load_button.setEnabled(buttons.load)
        self.build_combo.setEnabled(buttons.build_picker)

    def message(self, level: str, text: str) -> None:
        show_message(level, text)

    def on_gui_thread(self, fn: Callable[[], None]) -> None:
        self._relay.call.emit(fn)

    # ---------------------------------------------------------------- private
    def _build_picked(self, _index: int) -> None:
        data = self.build_combo.currentData()
        self.controller.choose_build(int(data) if data is not None else None)


def _stat() -> QLabel:
    label = QLabel(fmt.NOTHING)
    label.setStyleSheet(f"font-size:16pt; font-weight:600; color:{theme.TEXT};")
    return label


def _captioned(title: str, value: QLabel) -> QVBoxLayout:
    caption = QLabel(title)
    caption.setObjectName("hint")
    return vbox(0, 2, caption, value)
