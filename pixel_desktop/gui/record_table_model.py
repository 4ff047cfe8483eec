"""A table of frozen records with named columns: the Qt plumbing written once.

Why: the deployment history and the Settings lists (registries, targets) were
``QTableWidget``s filled cell by cell by column number. A subclass names its columns (an
``IntEnum``) and says per column what a record shows; this base answers Qt's row, column,
header and role questions, and gives tests and actions the cell text by column name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
RecordRole = Qt.ItemDataRole.UserRole + 1  # every cell: the row's record
C = TypeVar("C", bound=IntEnum)


class RecordTableModel(QAbstractTableModel):
    """Rows are records (in the order given); ``columns`` maps each column to its header."""

    def __init__(self, columns: Mapping[C, str], parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._columns: list[IntEnum] = list(columns)
        self._headers: dict[IntEnum, str] = {column: header for column, header in columns.items()}
        self._rows: list[object] = []

    # ---------------------------------------------------------------- what a subclass says
    def cell_text(self, record: object, column: IntEnum) -> str:
        raise NotImplementedError

    def cell_data(self, record: object, column: IntEnum, role: int) -> object:
        """Any other role of a cell (tooltip, colour, font, an id); None by default."""
        return None

    # ---------------------------------------------------------------- rows
    def set_rows(self, rows: Sequence[object]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def replace_row(self, row: int, record: object) -> None:
        """Swap one row's record and redraw just that row (selection and scroll stay)."""
        self._rows[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def record_at(self, row: int) -> object | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def text(self, row: int, column: IntEnum) -> str:
        """What the cell shows (tests and actions use this instead of a column number)."""
        record = self.record_at(row)
        return self.cell_text(record, column) if record is not None else ""

    # ---------------------------------------------------------------- QAbstractTableModel
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._columns):
            return self._headers[self._columns[section]]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        record = self.record_at(index.row()) if index.isValid() else None
        if record is None:
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(record, column)
        if role == RecordRole:
            return record
        return self.cell_data(record, column, role)
