"""The Team tab (team mode only): workers online, the queue, and builds by runner.

A thin view over ``TeamController``; its timer refreshes every few seconds, which is also
how "broker unreachable" clears by itself once Redis answers again.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.gui import theme
from pixel_desktop.gui.operations import Runner
from pixel_desktop.gui.record_table_model import RecordTableModel
from pixel_desktop.gui.team_controller import StatusSink, TeamController, TeamServices
from pixel_desktop.gui.team_format import RunnerRow, WorkerRow

REFRESH_MS = 3_000


class WorkerColumn(IntEnum):
    NAME = 0
    HOST = 1
    DOCKER = 2
    RUNNING = 3


class RunnerColumn(IntEnum):
    RUNNER = 0
    TOTAL = 1
    RUNNING = 2
    COMPLETED = 3
    FAILED = 4


class WorkersModel(RecordTableModel):
    def __init__(self) -> None:
        super().__init__({WorkerColumn.NAME: "Worker", WorkerColumn.HOST: "Host", WorkerColumn.DOCKER: "Docker", WorkerColumn.RUNNING: "Running builds"})

    def cell_text(self, record: object, column: IntEnum) -> str:
        assert isinstance(record, WorkerRow)
        return {WorkerColumn.NAME: record.name, WorkerColumn.HOST: record.host, WorkerColumn.DOCKER: record.docker, WorkerColumn.RUNNING: record.running}[WorkerColumn(column)]

    def cell_data(self, record: object, column: IntEnum, role: int) -> object:
        if role == Qt.ItemDataRole.ForegroundRole and column == WorkerColumn.DOCKER and isinstance(record, WorkerRow) and not record.healthy:
            return QColor(theme.DANGER)
        return None


class RunnersModel(RecordTableModel):
    def __init__(self) -> None:
        super().__init__({RunnerColumn.RUNNER: "Runner", RunnerColumn.TOTAL: "Builds", RunnerColumn.RUNNING: "Running", RunnerColumn.COMPLETED: "Completed", RunnerColumn.FAILED: "Not completed"})

    def cell_text(self, record: object, column: IntEnum) -> str:
        assert isinstance(record, RunnerRow)
        values = {RunnerColumn.RUNNER: record.runner, RunnerColumn.TOTAL: record.total, RunnerColumn.RUNNING: record.running, RunnerColumn.COMPLETED: record.completed, RunnerColumn.FAILED: record.failed}
        return str(values[RunnerColumn(column)])


def _table(model: RecordTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class TeamPanel(QWidget):
    def __init__(self, services: TeamServices, runner: Runner, on_status: StatusSink, *, periodic: bool = True) -> None:
        super().__init__()
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.queue_label = QLabel("Reading the team's state…")
        self.workers_model = WorkersModel()
        self.runners_model = RunnersModel()
        self.workers_table = _table(self.workers_model)
        self.runners_table = _table(self.runners_model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(QLabel("<b>Workers online</b>"))
        layout.addWidget(self.workers_table, 1)
        layout.addWidget(self.queue_label)
        layout.addWidget(QLabel("<b>Recent builds by runner</b>"))
        layout.addWidget(self.runners_table, 1)
        self.controller = TeamController(services, runner, self, on_status)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.controller.refresh)
        self._periodic = periodic

    def start(self, on_team_mode: Callable[[], None]) -> None:
        def placed() -> None:
            on_team_mode()
            if self._periodic:
                self._timer.start()

        self.controller.start(placed)

    def refresh(self) -> None:
        self.controller.refresh()

    def stop(self) -> None:
        self._timer.stop()

    # ---------------------------------------------------------------- TeamView
    def show_workers(self, rows: list[WorkerRow]) -> None:
        self.workers_model.set_rows(rows)

    def show_runners(self, rows: list[RunnerRow]) -> None:
        self.runners_model.set_rows(rows)

    def show_queue(self, text: str) -> None:
        self.queue_label.setText(text)

    def show_notice(self, text: str, *, error: bool) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(f"color: {theme.DANGER};" if error else "")
        self.notice.setVisible(bool(text))
