"""A bounded, filterable log view fed in batches.

The widget keeps at most ``MAX_VIEW_LINES`` blocks (Qt drops the oldest), plus a bounded
in-memory tail used to re-apply a filter. The complete log always stays on disk, written by
the engine; "Save…" reads it from the store rather than from this view.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from pixel_desktop.gui.theme import mono_font

MAX_VIEW_LINES = 5000


class LogView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(mono_font())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setMaximumBlockCount(MAX_VIEW_LINES)
        self.setUndoRedoEnabled(False)
        self._tail: deque[str] = deque(maxlen=MAX_VIEW_LINES * 4)
        self._filter = ""
        self.lines_seen = 0
        self.lines_skipped = 0  # too fast to show; still on disk
        self.follow = True

    def clear_log(self) -> None:
        self._tail.clear()
        self.lines_seen = 0
        self.lines_skipped = 0
        self.clear()

    def append_lines(self, lines: Iterable[str], skipped: int = 0) -> None:
        lines = list(lines)
        self.lines_seen += len(lines) + skipped
        self.lines_skipped += skipped
        self._tail.extend(lines)
        if self._filter:
            needle = self._filter
            lines = [line for line in lines if needle in line.lower()]
        if len(lines) > MAX_VIEW_LINES:
            lines = lines[-MAX_VIEW_LINES:]
        if not lines:
            return
        bar = self.verticalScrollBar()
        at_bottom = self.follow or bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        if not self.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText("\n".join(lines))
        cursor.endEditBlock()
        if at_bottom:
            bar.setValue(bar.maximum())

    def set_filter(self, text: str) -> None:
        self._filter = text.strip().lower()
        self.clear()
        tail = list(self._tail)
        if self._filter:
            tail = [line for line in tail if self._filter in line.lower()]
        if tail:
            self.setPlainText("\n".join(tail[-MAX_VIEW_LINES:]))
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def find_next(self, text: str, backward: bool = False) -> bool:
        if not text:
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.find(text, flags):
            return True
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
        self.setTextCursor(cursor)
        return self.find(text, flags)

    def visible_text(self) -> str:
        return self.toPlainText()
