"""An editable table of rows with add/remove/reorder, optional CSV import and a detail pane.

Used by the editor for business rules, FAQ, documents, env vars and conversation tests.
Cells hold plain text; ``kind`` decides how a cell maps to spec data:
``text`` (str), ``bool`` (checkbox), ``tristate`` (blank / yes / no → None / True / False).
A ``detail`` column is edited below the table because its content is long (``text``: document
text), a list of single-line items (``lines``: one per line, e.g. the other phrasings of an
FAQ question) or a list whose items may hold anything (``items``: a StringListEdit, one item
per row, e.g. a rule's match phrases).

Every value comes back exactly as loaded or typed. There is no ``a | b`` list cell any more:
splitting on ``|`` and trimming changed phrases that contain ``|`` or spaces.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.errors import InputError
from pixel_desktop.gui import theme

LIST_SEP = "|"  # CSV import only: how a list is written inside one CSV cell
ERROR_BG = QColor("#ffebe9")
# A field or detail box whose value is refused: the editor's fields and the tables' detail
# boxes use this one style.
FIELD_ERROR_STYLE = f"border: 1px solid {theme.ERROR_TEXT}; background: #fff6f5;"
DETAIL_ERROR_STYLE = FIELD_ERROR_STYLE
# What the user's newline keys put into a QPlainTextEdit document: Enter ends a block (U+2029
# in the raw text), Shift+Enter inserts U+2028. Nothing else separates items of a ``lines`` detail.
_LINE_BREAK_RE = re.compile("[\n\u2028\u2029]")

CsvRows = Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], str]]


def split_lines(text: str) -> tuple[list[str], list[int]]:
    """One item per line, each kept exactly as typed, and the numbers of the blank lines.

    Only a line the spec would refuse anyway (blank, by the same ``strip()`` test) is left
    out, and its number is returned so the caller says so instead of dropping it silently.
    A final newline just ends the last line: it is no blank item.
    """
    parts = _LINE_BREAK_RE.split(text)
    if parts and parts[-1] == "":
        parts.pop()
    items: list[str] = []
    blank: list[int] = []
    for number, part in enumerate(parts, start=1):
        if part.strip():
            items.append(part)
        else:
            blank.append(number)
    return items, blank


def text_as_typed(edit: QPlainTextEdit, previous: str) -> str:
    """The text of ``edit`` as the user typed it.

    ``toPlainText()`` turns no-break spaces into spaces and every line separator into
    ``\n``. The raw document text keeps them; Enter (U+2029) becomes the line ending the
    value already used (``\r\n`` when ``previous`` had only CRLF endings), and Shift+Enter
    (U+2028) a ``\n`` unless ``previous`` held U+2028 itself.
    """
    raw = edit.document().toRawText()
    crlf = "\r\n" in previous and previous.count("\n") == previous.count("\r\n")
    newline = "\r\n" if crlf else "\n"
    text = raw.replace("\u2029", newline)
    if "\u2028" not in previous:
        text = text.replace("\u2028", newline)
    return text


class ExactTextEdit(QPlainTextEdit):
    """A multi-line text field that gives back exactly the value it was given until edited.

    A QTextDocument cannot hold ``\r`` or tell U+2029 from a line break, so text loaded
    from a spec is remembered with what the document made of it: while the document still
    says the same, ``value()`` is the original string, byte for byte.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original = ""
        self._shown = ""

    def set_value(self, text: str) -> None:
        self.setPlainText(text)
        self._original = text
        self._shown = self.document().toRawText()

    def value(self) -> str:
        if self.document().toRawText() == self._shown:
            return self._original
        return text_as_typed(self, self._original)


class StringListEdit(QWidget):
    """A list of strings, one item per row, each kept exactly as loaded or typed.

    For lists whose items may contain ``|``, commas, leading/trailing spaces or even line
    breaks (guidelines, dependencies, match phrases, expected texts): a joined text field
    cannot represent those without changing them. Double-click or F2 edits an item in place;
    the buttons add, remove and reorder. Empty items are kept so validation names them.
    """

    changed = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        self.list.setToolTip(placeholder)
        self.list.itemChanged.connect(self._emit_changed)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.add_button = self._button("Add", QStyle.StandardPixmap.SP_FileDialogNewFolder, self.add_item)
        self.remove_button = self._button("Remove", QStyle.StandardPixmap.SP_DialogDiscardButton, self.remove_current)
        self.up_button = self._button("", QStyle.StandardPixmap.SP_ArrowUp, lambda: self.move_current(-1))
        self.down_button = self._button("", QStyle.StandardPixmap.SP_ArrowDown, lambda: self.move_current(1))
        self.up_button.setToolTip("Move up")
        self.down_button.setToolTip("Move down")
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        if placeholder:
            hint = QLabel(placeholder)
            hint.setObjectName("hint")
            # Wrapped, not one line: on the buttons' row it set the editor's minimum width
            # (about 390 px of it), which squeezed the project list when Try it opened.
            hint.setWordWrap(True)
            hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            buttons.addWidget(hint, 1)
        else:
            buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)

    def _button(self, text: str, icon: QStyle.StandardPixmap, slot: Any) -> QPushButton:
        button = QPushButton(self.style().standardIcon(icon), text)
        button.clicked.connect(slot)
        return button

    def set_items(self, items: list[str]) -> None:
        self._loading = True
        try:
            self.list.clear()
            for text in items:
                self._append(text)
        finally:
            self._loading = False

    def items(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _append(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)
        return item

    def add_item(self, text: str = "") -> None:
        item = self._append(text)
        self.list.setCurrentItem(item)
        self.list.scrollToItem(item)
        if not text:
            self.list.editItem(item)
        self._emit_changed()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._emit_changed()

    def move_current(self, delta: int) -> None:
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.list.count():
            return
        self.list.insertItem(target, self.list.takeItem(row))
        self.list.setCurrentRow(target)
        self._emit_changed()

    def _emit_changed(self, *_: Any) -> None:
        if not self._loading:
            self.changed.emit()


class NumberField(QLineEdit):
    """A whole number typed as text: what was typed is what is checked.

    A QSpinBox refuses the keystroke that leaves its range (99999 becomes 9999) and puts
    back its old value when the field is left empty or at 0, so a wrong number was never
    seen by validation. Here ``value()`` is the int the text spells, or the text itself,
    which validation then refuses by name with the allowed range.
    """

    def __init__(self, value: int | None = None, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        if value is not None:
            self.setValue(value)

    def setValue(self, value: int) -> None:
        self.setText(str(value))

    def value(self) -> int | str:
        try:
            return int(self.text())
        except ValueError:
            return self.text()


def blank_lines_note(blank: list[int]) -> str:
    if not blank:
        return ""
    if len(blank) == 1:
        return f"Line {blank[0]} is blank and is not saved; type a phrasing there or delete the line."
    listed = ", ".join(str(n) for n in blank[:-1]) + f" and {blank[-1]}"
    return f"Lines {listed} are blank and are not saved; type a phrasing there or delete them."


class _CellTable(QTableWidget):
    """A QTableWidget whose Tab / Shift+Tab inside a cell editor go to ``on_tab``: the
    delegate commits the typed text into its own cell first, then the next cell opens."""

    def __init__(self, columns: int, on_tab: Callable[[int], bool]) -> None:
        super().__init__(0, columns)
        self._on_tab = on_tab

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        step = {
            QAbstractItemDelegate.EndEditHint.EditNextItem: 1,
            QAbstractItemDelegate.EndEditHint.EditPreviousItem: -1,
        }.get(hint)
        if step is None:
            super().closeEditor(editor, hint)
            return
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self._on_tab(step)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text | bool | tristate | lines, items (detail only)
    width: int = 0  # 0: stretch


class RowTable(QWidget):
    changed = Signal()

    def __init__(
        self,
        columns: list[Column],
        *,
        detail: Column | None = None,
        detail_placeholder: str = "",
        csv_import: bool = False,
        csv_rows: CsvRows | None = None,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """``csv_rows`` reshapes imported CSV rows before they are appended (the FAQ merges
        rows that share an answer) and returns a sentence telling the user what it did."""
        super().__init__(parent)
        self.columns = columns
        self.detail = detail
        self._csv_rows = csv_rows
        self.last_import_note = ""
        self._details: list[Any] = []  # every row's detail (str, or list for items), exactly as typed
        self._loading = False
        self.table = _CellTable(len(columns), self.move_to_adjacent_cell)
        self.table.setHorizontalHeaderLabels([c.title for c in columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for index, col in enumerate(columns):
            if col.width:
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(index, col.width)
            else:
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.currentCellChanged.connect(self._on_row_changed)
        # Tab / Shift+Tab move cell by cell, row after row, and open the next cell for
        # typing; without this, focus left the table and the next keys landed elsewhere.
        self.table.setTabKeyNavigation(True)
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)

        style = self.style()
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.add_button = self._button("Add", QStyle.StandardPixmap.SP_FileDialogNewFolder, self.add_row)
        self.remove_button = self._button("Remove", QStyle.StandardPixmap.SP_DialogDiscardButton, self.remove_current)
        self.up_button = self._button("", QStyle.StandardPixmap.SP_ArrowUp, lambda: self.move_current(-1))
        self.down_button = self._button("", QStyle.StandardPixmap.SP_ArrowDown, lambda: self.move_current(1))
        self.up_button.setToolTip("Move up")
        self.down_button.setToolTip("Move down")
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        if csv_import:
            self.csv_button = self._button("Import CSV…", QStyle.StandardPixmap.SP_DialogOpenButton, self._pick_csv)
            buttons.addWidget(self.csv_button)
        buttons.addStretch(1)
        if hint:
            label = QLabel(hint)
            label.setObjectName("hint")
            buttons.addWidget(label)
        del style

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        if detail is not None:
            self.detail_edit: Any
            if detail.kind == "items":
                self.detail_edit = StringListEdit(detail_placeholder)
                self.detail_edit.changed.connect(self._on_detail_changed)
            else:
                self.detail_edit = QPlainTextEdit()
                self.detail_edit.setPlaceholderText(detail_placeholder or f"{detail.title} of the selected row")
                self.detail_edit.textChanged.connect(self._on_detail_changed)
            self.detail_edit.setEnabled(False)
            self.detail_note = QLabel()
            self.detail_note.setObjectName("fieldError")
            self.detail_note.setWordWrap(True)
            self.detail_note.hide()
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 4, 0, 0)
            box_layout.addWidget(QLabel(f"<b>{detail.title}</b>"))
            box_layout.addWidget(self.detail_edit)
            box_layout.addWidget(self.detail_note)
            split = QSplitter(Qt.Orientation.Vertical)
            split.addWidget(self.table)
            split.addWidget(box)
            split.setSizes([300, 200])
            layout.addWidget(split, 1)
        else:
            layout.addWidget(self.table, 1)

    def _button(self, text: str, icon: QStyle.StandardPixmap, slot: Any) -> QPushButton:
        button = QPushButton(self.style().standardIcon(icon), text)
        button.clicked.connect(slot)
        return button

    # ---------------------------------------------------------------- data in/out
    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self._loading = True
        try:
            self.table.setRowCount(0)
            self._details = []
            for row in rows:
                self._append(row)
            if self.detail is not None:
                self.detail_edit.setEnabled(False)
                self._show_detail(None)
                self._show_detail_note("")
        finally:
            self._loading = False
        if self.detail is not None and self.detail.kind == "items" and self.table.rowCount():
            # The list (e.g. a rule's match phrases) has no column of its own: show the first
            # row's at once rather than an empty, disabled box.
            self.table.setCurrentCell(0, 0)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for c, col in enumerate(self.columns):
                row[col.key] = self._cell_value(r, c, col)
            if self.detail is not None:
                value = self._details[r]
                if self.detail.kind == "lines":
                    value = split_lines(value)[0]
                elif self.detail.kind == "items":
                    value = list(value)
                row[self.detail.key] = value
            out.append(row)
        return out

    def _cell_value(self, r: int, c: int, col: Column) -> Any:
        if col.kind == "tristate":
            combo = self.table.cellWidget(r, c)
            text = combo.currentText() if isinstance(combo, QComboBox) else ""
            return {"yes": True, "no": False}.get(text)
        item = self.table.item(r, c)
        if col.kind == "bool":
            return bool(item and item.checkState() == Qt.CheckState.Checked)
        return item.text() if item else ""

    def _append(self, row: dict[str, Any]) -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, col in enumerate(self.columns):
            value = row.get(col.key)
            if col.kind == "tristate":
                combo = QComboBox()
                combo.addItems(["", "yes", "no"])
                combo.setCurrentText({True: "yes", False: "no"}.get(value, ""))
                combo.currentIndexChanged.connect(self._emit_changed)
                self.table.setCellWidget(r, c, combo)
                continue
            item = QTableWidgetItem()
            if col.kind == "bool":
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            else:
                item.setText("" if value is None else str(value))
                if len(item.text()) > 40:
                    item.setToolTip(item.text())
            self.table.setItem(r, c, item)
        if self.detail is not None:
            value = row.get(self.detail.key)
            if self.detail.kind == "lines":
                self._details.append("\n".join(value or []))
            elif self.detail.kind == "items":
                self._details.append(list(value or []))
            else:
                self._details.append(str(value or ""))
        return r

    # ---------------------------------------------------------------- actions
    def add_row(self) -> None:
        """Append an empty row, scroll it into view and open its first cell for typing."""
        r = self._append({})
        self.table.setCurrentCell(r, 0)
        self.table.scrollToBottom()  # the new row is the last one
        self.table.setFocus()
        if self.table.item(r, 0) is not None:
            self.table.editItem(self.table.item(r, 0))
        self._emit_changed()

    # ---------------------------------------------------------------- keyboard
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                back = key == Qt.Key.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                return self.move_to_adjacent_cell(-1 if back else 1)
        return super().eventFilter(watched, event)

    def move_to_adjacent_cell(self, step: int) -> bool:
        """Commit the cell being typed in and open the next (``step`` 1) or previous (-1) text
        cell, wrapping to the next or previous row; False at either end of the table."""
        texts = [c for c, col in enumerate(self.columns) if col.kind == "text"]
        row, col = self.table.currentRow(), self.table.currentColumn()
        if not texts or row < 0:
            return False
        cells = [(r, c) for r in range(self.table.rowCount()) for c in texts]
        here = (row, col if col in texts else texts[0])
        index = cells.index(here) + step if here in cells else 0
        if not 0 <= index < len(cells):
            return False
        editor = self.table.focusWidget() if self.table.state() == QAbstractItemView.State.EditingState else None
        if editor is not None and editor is not self.table:
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        r, c = cells[index]
        self.table.setCurrentCell(r, c)
        item = self.table.item(r, c)
        if item is not None:
            self.table.scrollToItem(item)
            self.table.editItem(item)
        return True

    def remove_current(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        self.table.removeRow(r)
        if self.detail is not None:
            del self._details[r]
            self._on_row_changed(self.table.currentRow(), 0, -1, 0)
        self._emit_changed()

    def move_current(self, delta: int) -> None:
        r = self.table.currentRow()
        target = r + delta
        if r < 0 or not 0 <= target < self.table.rowCount():
            return
        rows = self.rows()
        details = list(self._details)  # as typed: rows() has already parsed them
        rows[r], rows[target] = rows[target], rows[r]
        self.set_rows(rows)
        if self.detail is not None:
            details[r], details[target] = details[target], details[r]
            self._details = details
        self.table.setCurrentCell(target, 0)
        self._emit_changed()

    def import_csv_text(self, text: str) -> int:
        """Append rows from CSV text whose header names columns (by key or title)."""
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise InputError("The CSV file is empty; it needs a header row such as `question,answer`.")
        by_name = {c.key.lower(): c.key for c in self.all_columns()}
        by_name.update({c.title.lower(): c.key for c in self.all_columns()})
        mapping = {f: by_name[f.strip().lower()] for f in reader.fieldnames if f and f.strip().lower() in by_name}
        missing = [c.key for c in self.all_columns() if c.key not in mapping.values() and c.kind == "text"]
        if missing:
            raise InputError(
                f"The CSV header {reader.fieldnames} lacks {', '.join(missing)}; "
                f"use a header row like `{','.join(c.key for c in self.all_columns())}`."
            )
        parsed: list[dict[str, Any]] = []
        for record in reader:
            row: dict[str, Any] = {}
            for source, key in mapping.items():
                value = (record.get(source) or "").strip()
                col = next(c for c in self.all_columns() if c.key == key)
                if col.kind == "items":
                    row[key] = [p.strip() for p in value.split(LIST_SEP) if p.strip()]
                elif col.kind == "lines":  # a quoted multi-line cell: one item per line
                    row[key] = [p for p in value.splitlines() if p.strip()]
                else:
                    row[key] = value
            if any(row.values()):
                parsed.append(row)
        self.last_import_note = ""
        if self._csv_rows is not None and parsed:
            parsed, self.last_import_note = self._csv_rows(parsed)
        for row in parsed:
            self._append(row)
        if parsed:
            self._emit_changed()
        return len(parsed)

    def all_columns(self) -> list[Column]:
        return [*self.columns, *([self.detail] if self.detail else [])]

    def _pick_csv(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from pixel_desktop.gui.errors import report_exception, show_message

        path, _ = QFileDialog.getOpenFileName(self, "Import CSV", "", "CSV files (*.csv);;All files (*)")
        if not path:
            return
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                added = self.import_csv_text(fh.read())
        except UnicodeDecodeError:
            show_message("error", f"{path} is not UTF-8 text; save it as UTF-8 CSV and import again.")
        except (OSError, InputError) as exc:
            report_exception(exc if isinstance(exc, InputError) else InputError(f"Cannot read {path}: {exc}"))
        else:
            show_message("info", f"Imported {added} row(s) from {path}. {self.last_import_note}".strip())

    # ---------------------------------------------------------------- highlighting
    def mark_error(self, row: int | None, key: str | None) -> None:
        self.clear_marks()
        if row is None or not 0 <= row < self.table.rowCount():
            return
        self.table.setCurrentCell(row, 0)
        if self.detail is not None and key == self.detail.key:
            self.detail_edit.setStyleSheet(DETAIL_ERROR_STYLE)
        for c, col in enumerate(self.columns):
            if key is None or col.key == key:
                item = self.table.item(row, c)
                if item is not None:
                    self._loading = True
                    item.setBackground(QBrush(ERROR_BG))
                    self._loading = False

    def clear_marks(self) -> None:
        if self.detail is not None:
            self.detail_edit.setStyleSheet("")
        self._loading = True
        try:
            for r in range(self.table.rowCount()):
                for c in range(self.table.columnCount()):
                    item = self.table.item(r, c)
                    if item is not None and item.background().color() == ERROR_BG:
                        item.setBackground(QBrush())
        finally:
            self._loading = False

    # ---------------------------------------------------------------- internals
    def _emit_changed(self, *_: Any) -> None:
        if not self._loading:
            self.changed.emit()

    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        self._emit_changed()

    def _on_row_changed(self, row: int, _c: int, _pr: int, _pc: int) -> None:
        if self.detail is None:
            return
        self._loading = True
        try:
            if 0 <= row < len(self._details):
                self.detail_edit.setEnabled(True)
                self._show_detail(self._details[row])
                self._update_detail_note(self._details[row])
            else:
                self.detail_edit.setEnabled(False)
                self._show_detail(None)
                self._show_detail_note("")
        finally:
            self._loading = False

    def _show_detail(self, value: Any) -> None:
        if isinstance(self.detail_edit, StringListEdit):
            self.detail_edit.set_items(list(value or []))
        else:
            self.detail_edit.setPlainText(value or "")

    def _detail_value(self, previous: Any) -> Any:
        """The detail as typed. For ``lines`` the raw document text: ``toPlainText()`` turns a
        no-break space into a plain space, which would change a phrasing the user kept exact;
        for ``text`` the same raw text with its line endings (see ``text_as_typed``)."""
        if isinstance(self.detail_edit, StringListEdit):
            return self.detail_edit.items()
        if self.detail is not None and self.detail.kind == "lines":
            return self.detail_edit.document().toRawText()
        return text_as_typed(self.detail_edit, previous or "")

    def _update_detail_note(self, text: Any) -> None:
        if self.detail is not None and self.detail.kind == "lines":
            self._show_detail_note(blank_lines_note(split_lines(text)[1]))

    def _show_detail_note(self, note: str) -> None:
        self.detail_note.setText(f"⚠  {note}" if note else "")
        self.detail_note.setVisible(bool(note))

    def _on_detail_changed(self) -> None:
        if self._loading:
            return
        row = self.table.currentRow()
        if 0 <= row < len(self._details):
            self._details[row] = self._detail_value(self._details[row])
            self._update_detail_note(self._details[row])
            self._emit_changed()
