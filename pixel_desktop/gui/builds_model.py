"""The build history as a Qt table model with named columns (vorta's archive_table_model).

Before, the table was a ``QTableWidget`` filled cell by cell with column numbers (``c == 1``
is the status, ``c == 7`` the digest), so moving a column silently recoloured the wrong
one. Here each column is a :class:`Column` and every cell's text, colour and tooltip is
decided by name; the view only shows the model. The Qt plumbing is ``RecordTableModel``'s.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from pixel_desktop.gui import builds_format as fmt
from pixel_desktop.gui import theme
from pixel_desktop.gui.record_table_model import RecordRole, RecordTableModel

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord

BUILD_ID_ROLE = Qt.ItemDataRole.UserRole  # every cell: the row's build id
RECORD_ROLE = RecordRole  # every cell: the row's BuildRecord


class Column(enum.IntEnum):
    ID = 0
    STATUS = enum.auto()
    RUNNER = enum.auto()
    STARTED = enum.auto()
    DURATION = enum.auto()
    PHASES = enum.auto()
    IMAGE = enum.auto()
    SIZE = enum.auto()
    DIGEST = enum.auto()


HEADERS = {
    Column.ID: "#",
    Column.STATUS: "Status",
    Column.RUNNER: "Runner",
    Column.STARTED: "Started",
    Column.DURATION: "Duration",
    Column.PHASES: "Phases",
    Column.IMAGE: "Image",
    Column.SIZE: "Size",
    Column.DIGEST: "Digest",
}
DIGEST_SHOWN = 19  # "sha256:" and 12 hex digits


def cell_text(build: BuildRecord, column: Column) -> str:
    match column:
        case Column.ID:
            return str(build.id)
        case Column.STATUS:
            return build.status
        case Column.RUNNER:  # this machine, or the team worker that ran it (NAME@host)
            return build.runner_host or ""
        case Column.STARTED:
            return fmt.started(build)
        case Column.DURATION:
            return fmt.seconds(fmt.duration(build))
        case Column.PHASES:
            return fmt.phases(build.phases)
        case Column.IMAGE:
            return build.pushed_ref or build.image_name or ""
        case Column.SIZE:
            return fmt.size(build.size_bytes)
        case Column.DIGEST:
            return (build.digest or "")[:DIGEST_SHOWN]


def cell_tooltip(build: BuildRecord, column: Column) -> str | None:
    if column is Column.DIGEST and build.digest:
        return build.digest
    if column is Column.IMAGE and build.error_message:
        return build.error_message
    return None


class BuildHistoryModel(RecordTableModel):
    """Rows are builds (newest first, as the store lists them)."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(HEADERS, parent)

    def set_builds(self, builds: list[BuildRecord]) -> None:
        self.set_rows(builds)

    @property
    def builds(self) -> list[BuildRecord]:
        return [cast("BuildRecord", self.record_at(r)) for r in range(self.rowCount())]

    def build_at(self, row: int) -> BuildRecord:
        return cast("BuildRecord", self.record_at(row))

    def row_of(self, build_id: int) -> int | None:
        return next((r for r in range(self.rowCount()) if self.build_at(r).id == build_id), None)

    def replace_build(self, build: BuildRecord) -> bool:
        """Redraw one build's row in place (a live status), keeping the selection; False if not listed."""
        row = self.row_of(build.id)
        if row is None:
            return False
        self.replace_row(row, build)
        return True

    def cell_text(self, record: object, column: enum.IntEnum) -> str:
        return cell_text(cast("BuildRecord", record), Column(column))

    def cell_data(self, record: object, column: enum.IntEnum, role: int) -> object:
        build = cast("BuildRecord", record)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.STATUS:
            return QColor(theme.status_color(build.status))
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(build, Column(column))
        if role == BUILD_ID_ROLE:
            return build.id
        return None
