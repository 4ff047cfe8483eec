"""The Evaluate tab's wrong answers as a Qt table model with named columns.

What the user acts on: each row names the entry that answered instead (or fallback) and its
score, so the question can be added as another phrasing of the expected entry. The words
are ``eval_format``'s; this only answers Qt's roles (colour, alignment, tooltip) by column.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from pixel_desktop.gui import eval_format as fmt
from pixel_desktop.gui import theme
from pixel_desktop.gui.eval_format import Column
from pixel_desktop.gui.record_table_model import RecordTableModel

if TYPE_CHECKING:
    from pixel_desktop.app.eval import CaseResult

RIGHT_ALIGNED = (Column.LINE, Column.SCORE)


class MissesModel(RecordTableModel):
    """Rows are the report's wrong answers, in CSV order."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(fmt.HEADERS, parent)
        self._before: Mapping[int, CaseResult] = {}

    def set_misses(self, rows: Sequence[CaseResult], before: Mapping[int, CaseResult] | None = None) -> None:
        """``before``: the earlier run's result of each CSV line, when the report is compared."""
        self._before = before or {}
        self.set_rows(rows)

    def miss_at(self, row: int) -> CaseResult | None:
        return cast("CaseResult | None", self.record_at(row))

    def cell_text(self, record: object, column: enum.IntEnum) -> str:
        row = cast("CaseResult", record)
        if column is Column.BEFORE:
            return fmt.before_text(self._before.get(row.line))
        return fmt.miss_text(row, Column(column))

    def cell_data(self, record: object, column: enum.IntEnum, role: int) -> object:
        row = cast("CaseResult", record)
        was = self._before.get(row.line)
        broken = was is not None and was.correct
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is Column.BEFORE:
                return "Answered right in the last run: this change broke it" if broken else None
            return fmt.miss_tooltip(row, Column(column))
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.GOT:
            return QBrush(QColor(theme.DANGER))
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.BEFORE and broken:
            return QBrush(QColor(theme.SEVERE))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
