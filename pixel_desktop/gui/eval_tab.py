"""Evaluate tab: load a question,expected CSV, pick a build, run it, see the misses.

The same use case as `pixel eval` (``pixel_desktop.app.eval`` through ``Services``): the CSV
is checked against the build as soon as it is loaded, and the run re-reads it, so a file
edited in a spreadsheet meanwhile is what gets asked. The run blocks on Docker and HTTP, so it
is a named operation (``gui/operations/eval.py``) on a worker; its progress comes back through a signal of a main-thread
object (queued to the GUI thread), and Cancel sets the event the runner checks between
questions — the runner removes the container before it reports back.

The misses table is what the user acts on: each row names the entry that answered instead
(or fallback) and its score, so the question can be added as another phrasing of the
expected entry.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
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

from pixel_desktop.errors import CancelledError
from pixel_desktop.gui import theme
from pixel_desktop.gui.errors import show_message, user_message
from pixel_desktop.gui.operations import eval as eval_ops
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.gui.widgets.layout import hline

OK_COLOR = theme.SUCCESS
BAD_COLOR = theme.DANGER
INTRO = "Load a CSV of question,expected rows to check how this assistant answers them."
HINT = (
    "To fix a miss, add its question as another phrasing of the expected entry "
    "(Editor → FAQ), build again and re-run."
)


class MissesModel(QAbstractTableModel):
    """The wrong answers of a report: what was asked, expected, what answered, its score."""

    COLUMNS = ("Line", "Question", "Expected", "Answered by", "Score")
    LINE, QUESTION, EXPECTED, GOT, SCORE = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.LINE:
                return str(row.line)
            if column == self.QUESTION:
                return " ".join(row.question.split())
            if column == self.EXPECTED:
                return row.expected
            if column == self.GOT:
                return f"{row.got} (did you mean: {row.suggested})" if row.suggested else row.got
            return f"{row.score:.3f}" if row.score is not None else "–"
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.GOT and row.reply:
                return f"The assistant replied: {row.reply}"
            if column == self.QUESTION:
                return row.question
            if column == self.EXPECTED:
                return row.expected
        if role == Qt.ItemDataRole.ForegroundRole and column == self.GOT:
            return QBrush(QColor(BAD_COLOR))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.LINE, self.SCORE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class _ProgressRelay(QObject):
    """Created on the GUI thread: emitting from the worker queues delivery to the GUI thread."""

    progress = Signal(object)  # EvalProgress


class EvalTab(QWidget):
    def __init__(self, services: Services, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.slug: str | None = None
        self.csv_path: Path | None = None
        self.builds: list[Any] = []
        self.plan: Any = None  # EvalPlan of the last successful check
        self.report: Any = None  # EvalReport of the last finished run
        self.running = False
        self.checking = 0  # checks in flight
        self.loading = 0  # build list loads in flight
        self.builds_loaded = False
        self._load_token = 0  # only the newest build list load is applied
        self._cancel: threading.Event | None = None
        self._generation = 0  # bumps on project change: late answers for the old one are dropped
        self._relay = _ProgressRelay(self)
        self._relay.progress.connect(self._on_progress)
        style = self.style()

        # --- controls
        self.file_label = QLabel("No questions loaded")
        self.file_label.setObjectName("hint")
        self.file_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.load_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton), "Load CSV…")
        self.load_button.setToolTip("A CSV with the columns question,expected (expected: an FAQ question, fallback, rule:NAME or document:TITLE)")
        self.load_button.clicked.connect(self.ask_csv)
        self.build_combo = QComboBox()
        self.build_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.build_combo.setMinimumWidth(220)
        self.build_combo.currentIndexChanged.connect(lambda _i: self.check())
        self.run_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Run")
        self.run_button.setObjectName("primary")
        self.run_button.setToolTip("Start the build's image on 127.0.0.1, ask every question, remove the container")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        controls = QGridLayout()
        controls.setHorizontalSpacing(8)
        controls.addWidget(QLabel("Questions"), 0, 0)
        file_row = QHBoxLayout()
        file_row.addWidget(self.load_button)
        file_row.addWidget(self.file_label, 1)
        controls.addLayout(file_row, 0, 1, 1, 4)
        controls.addWidget(QLabel("Build"), 1, 0)
        controls.addWidget(self.build_combo, 1, 1)
        controls.addWidget(self.run_button, 1, 2)
        controls.addWidget(self.cancel_button, 1, 3)
        controls.setColumnStretch(4, 1)

        self.status_label = QLabel(INTRO)
        self.status_label.setWordWrap(True)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m questions")
        self.progress.setTextVisible(False)

        # --- summary
        self.accuracy_value = self._stat()
        self.fallback_value = self._stat()
        self.p50_value = self._stat()
        self.p99_value = self._stat()
        summary = QHBoxLayout()
        summary.setSpacing(24)
        for title, value in (
            ("Accuracy", self.accuracy_value),
            ("Fallback rate", self.fallback_value),
            ("Latency p50", self.p50_value),
            ("Latency p99", self.p99_value),
        ):
            box = QVBoxLayout()
            caption = QLabel(title)
            caption.setObjectName("hint")
            box.addWidget(caption)
            box.addWidget(value)
            summary.addLayout(box)
        summary.addStretch(1)

        # --- misses
        self.misses_title = QLabel("Wrong answers")
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
        header.setSectionResizeMode(MissesModel.LINE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MissesModel.GOT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MissesModel.SCORE, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(MissesModel.QUESTION, 300)
        self.table.setColumnWidth(MissesModel.EXPECTED, 280)
        hint = QLabel(HINT)
        hint.setObjectName("hint")
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(controls)
        layout.addWidget(self.status_label)
        layout.addWidget(self.progress)
        layout.addWidget(hline())
        layout.addLayout(summary)
        layout.addWidget(self.misses_title)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        self._show_report(None)
        self._update_buttons()

    @staticmethod
    def _stat() -> QLabel:
        label = QLabel("–")
        label.setStyleSheet(f"font-size:16pt; font-weight:600; color:{theme.TEXT};")
        return label

    # ---------------------------------------------------------------- state
    @property
    def build_id(self) -> int | None:
        data = self.build_combo.currentData()
        return int(data) if data else None

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(self.plan is not None and not self.running and self.checking == 0)
        self.cancel_button.setEnabled(self.running)
        self.load_button.setEnabled(not self.running)
        self.build_combo.setEnabled(not self.running)

    def _set_status(self, text: str, color: str | None = None) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color:{color};" if color else "")

    # ---------------------------------------------------------------- project / builds
    def set_project(self, slug: str | None) -> None:
        if slug == self.slug:
            return
        if self.running:
            self.cancel()  # its result belongs to the old project; the runner removes the container
        self.slug = slug
        self._generation += 1
        self.plan = None
        self.running = False
        self._show_report(None)
        self._set_status(INTRO)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.refresh()

    def refresh(self) -> None:
        """Reload the builds that have an image (off-thread); keep the chosen one if still there."""
        self._load_token += 1
        slug, token = self.slug, self._load_token
        if slug is None:
            self._builds_loaded(token, [])
            return
        self.loading += 1

        def failed(exc: BaseException) -> None:
            self.loading -= 1
            if token == self._load_token:
                self._set_status(f"Cannot load the builds: {user_message(exc)[1]}", BAD_COLOR)

        def done(builds: list[Any]) -> None:
            self.loading -= 1
            self._builds_loaded(token, builds)

        eval_ops.eval_builds(self._services, slug).success(done).failure(failed).run_in_background(self._tasks)

    def _builds_loaded(self, token: int, builds: list[Any]) -> None:
        if token != self._load_token:  # an older load (or another project's) answered late
            return
        self.builds = builds
        previous = self.build_id
        self.build_combo.blockSignals(True)
        self.build_combo.clear()
        latest_completed = next((b.id for b in builds if b.status == "completed"), None)
        for i, b in enumerate(builds):
            when = b.completed_at.astimezone().strftime("%b %d %H:%M") if b.completed_at else ""
            status = "" if b.status == "completed" else f" · {b.status}"
            latest = " (latest)" if b.id == latest_completed else ""
            self.build_combo.addItem(f"#{b.id} · {when}{status}{latest}", b.id)
            self.build_combo.setItemData(i, b.image_name or "", Qt.ItemDataRole.ToolTipRole)
        if not builds:
            self.build_combo.addItem("No build with an image — build the project first", None)
        index = self.build_combo.findData(previous) if previous else -1
        if index < 0 and latest_completed is not None:
            index = self.build_combo.findData(latest_completed)
        self.build_combo.setCurrentIndex(max(index, 0))
        self.build_combo.blockSignals(False)
        self.builds_loaded = True
        self.check()

    # ---------------------------------------------------------------- CSV
    def ask_csv(self) -> None:
        start = str(self.csv_path.parent) if self.csv_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Load questions", start, "CSV (*.csv);;All files (*)")
        if path:
            self.load_csv(Path(path))

    def load_csv(self, path: Path) -> None:
        self.csv_path = path
        self.file_label.setText(str(path))
        self.file_label.setToolTip(str(path))
        self.check()

    def check(self) -> None:
        """Check the CSV against the chosen build (no Docker): Run is enabled only when it passes."""
        self.plan = None
        if self.running or self.csv_path is None or self.slug is None:
            self._update_buttons()
            return
        build_id = self.build_id
        if build_id is None:
            self._set_status("This project has no build with an image yet: build it, then evaluate.", BAD_COLOR)
            self._update_buttons()
            return
        slug, path, generation = self.slug, self.csv_path, self._generation
        self.checking += 1
        self._set_status(f"Checking {path.name} against build #{build_id}…")
        self._update_buttons()

        def done(plan: Any) -> None:
            self.checking -= 1
            if generation == self._generation and self.build_id == build_id and self.csv_path == path:
                self.plan = plan
                where = "its FAQ" if plan.knowledge.source == "build" else "the project's FAQ"
                self._set_status(
                    f"{plan.total} questions; every expected answer is known to build #{build_id} "
                    f"(checked against {where}). Press Run.",
                    OK_COLOR,
                )
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.checking -= 1
            if generation == self._generation and self.csv_path == path:
                self._set_status(user_message(exc)[1], BAD_COLOR)
            self._update_buttons()

        eval_ops.prepare_eval(self._services, slug, path, build_id).success(done).failure(
            failed
        ).run_in_background(self._tasks)

    # ---------------------------------------------------------------- run / cancel
    def run(self) -> None:
        if self.plan is None or self.running or self.slug is None or self.csv_path is None:
            return
        slug, path, build_id, generation = self.slug, self.csv_path, self.build_id, self._generation
        cancel = threading.Event()
        self._cancel = cancel
        self.running = True
        self._show_report(None)
        self.progress.setRange(0, self.plan.total)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self._set_status(f"Starting build #{build_id}…")
        self._update_buttons()
        eval_ops.evaluate(
            self._services, slug, path, build_id, cancel=cancel, on_progress=self._relay.progress.emit
        ).success(lambda report: self._finished(generation, report)).failure(
            lambda exc: self._failed(generation, exc)
        ).run_in_background(self._tasks)

    def cancel(self) -> None:
        if self._cancel is not None and self.running:
            self._cancel.set()
            self._set_status("Cancelling… the container is being removed.")
            self.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        """Window closing: stop a running evaluation so its container is removed."""
        if self._cancel is not None:
            self._cancel.set()

    def _on_progress(self, event: Any) -> None:
        if not self.running:
            return
        self.progress.setRange(0, max(event.total, 1))
        self.progress.setValue(event.done)
        if not (self._cancel is not None and self._cancel.is_set()):
            self._set_status(f"{event.stage}…")

    def _finished(self, generation: int, report: Any) -> None:
        if generation != self._generation:
            return
        self.running = False
        self._cancel = None
        self.report = report
        self.progress.setValue(self.progress.maximum())
        self._set_status(
            f"Build #{report.build_id}: {report.total} questions asked; the container was removed.",
            OK_COLOR if not report.wrong else None,
        )
        self._show_report(report)
        self._update_buttons()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.running = False
        self._cancel = None
        self.progress.setValue(0)
        if isinstance(exc, CancelledError):
            self._set_status("Cancelled; the container was removed.")
        else:
            text = user_message(exc)[1]
            self._set_status(text, BAD_COLOR)
            show_message("error", f"Evaluation failed: {text.splitlines()[0]}")
        self._update_buttons()

    # ---------------------------------------------------------------- report
    def _show_report(self, report: Any) -> None:
        if report is None:
            for label in (self.accuracy_value, self.fallback_value, self.p50_value, self.p99_value):
                label.setText("–")
            self.misses.set_rows([])
            self.misses_title.setText("Wrong answers")
            return
        self.accuracy_value.setText(f"{report.accuracy:.1%}  ({report.correct}/{report.total})")
        self.fallback_value.setText(f"{report.fallback_rate:.1%}  ({report.fallbacks}/{report.total})")
        self.p50_value.setText(_ms(report.p50_ms))
        self.p99_value.setText(_ms(report.p99_ms))
        wrong = report.wrong
        self.misses.set_rows(wrong)
        self.misses_title.setText(f"Wrong answers ({len(wrong)})" if wrong else "No wrong answers")

    def ready_for_screenshot(self) -> bool:
        return self.builds_loaded and self.loading == 0 and not self.running and self.checking == 0


def _ms(value: float | None) -> str:
    return f"{value:.1f} ms" if value is not None else "–"
