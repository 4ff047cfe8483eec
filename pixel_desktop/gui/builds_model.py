"""The build history as a Qt table model with named columns (vorta's archive_table_model).

Before, the table was a ``QTableWidget`` filled cell by cell with column numbers (``c == 1``
is the status, ``c == 7`` the digest), so moving a column silently recoloured the wrong
one. Here each column is a :class:`Column` and every cell's text, colour and tooltip is
decided by name; the view only shows the model.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pixel_desktop.gui import builds_format as fmt
from pixel_desktop.gui import theme

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord

Index = QModelIndex | QPersistentModelIndex
BUILD_ID_ROLE = Qt.ItemDataRole.UserRole  # every cell: the row's build id
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # every cell: the row's BuildRecord


class Column(enum.IntEnum):
    ID = 0
    STATUS = enum.auto()
    STARTED = enum.auto()
    DURATION = enum.auto()
    PHASES = enum.auto()
    IMAGE = enum.auto()
    SIZE = enum.auto()
    DIGEST = enum.auto()


HEADERS = {
    Column.ID: "#",
    Column.STATUS: "Status",
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


class BuildHistoryModel(QAbstractTableModel):
    """Rows are builds (newest first, as the store lists them)."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._builds: list[BuildRecord] = []

    def set_builds(self, builds: list[BuildRecord]) -> None:
        self.beginResetModel()
        self._builds = list(builds)
        self.endResetModel()

    @property
    def builds(self) -> list[BuildRecord]:
        return list(self._builds)

    def build_at(self, row: int) -> BuildRecord:
        return self._builds[row]

    def row_of(self, build_id: int) -> int | None:
        return next((r for r, b in enumerate(self._builds) if b.id == build_id), None)

    def text(self, row: int, column: Column) -> str:
        """What the cell shows (tests and copy use it instead of reaching into the view)."""
        return cell_text(self._builds[row], column)

    # ---------------------------------------------------------------- QAbstractTableModel
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._builds)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._builds):
            return None
        build = self._builds[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(build, column)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.STATUS:
            return QColor(theme.status_color(build.status))
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(build, column)
        if role == BUILD_ID_ROLE:
            return build.id
        if role == RECORD_ROLE:
            return build
        return None
