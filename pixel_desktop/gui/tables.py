"""An editable table of rows with add/remove/reorder, optional CSV import and a detail pane.

Used by the editor for business rules, FAQ, documents, env vars and conversation tests.
Cells hold plain text; ``kind`` decides how a cell maps to spec data:
``text`` (str), ``list`` (``|``-separated → list[str]), ``bool`` (checkbox), ``tristate``
(blank / yes / no → None / True / False). A ``detail`` column is edited in a text area below
the table because its content is long (document text, FAQ answers).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
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

LIST_SEP = "|"
ERROR_BG = QColor("#ffebe9")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text | list | bool | tristate
    width: int = 0  # 0: stretch


class RowTable(QWidget):
    changed = Signal()

    def __init__(
        self,
        columns: list[Column],
        *,
        detail: Column | None = None,
        csv_import: bool = False,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = columns
        self.detail = detail
        self._details: list[str] = []
        self._loading = False
        self.table = QTableWidget(0, len(columns))
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
            self.detail_edit = QPlainTextEdit()
            self.detail_edit.setPlaceholderText(f"{detail.title} of the selected row")
            self.detail_edit.textChanged.connect(self._on_detail_changed)
            self.detail_edit.setEnabled(False)
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 4, 0, 0)
            box_layout.addWidget(QLabel(f"<b>{detail.title}</b>"))
            box_layout.addWidget(self.detail_edit)
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
                self.detail_edit.setPlainText("")
        finally:
            self._loading = False

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for c, col in enumerate(self.columns):
                row[col.key] = self._cell_value(r, c, col)
            if self.detail is not None:
                row[self.detail.key] = self._details[r]
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
        text = item.text() if item else ""
        if col.kind == "list":
            return [p.strip() for p in text.split(LIST_SEP) if p.strip()]
        return text

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
            elif col.kind == "list":
                item.setText(f" {LIST_SEP} ".join(value or []))
            else:
                item.setText("" if value is None else str(value))
                if len(item.text()) > 40:
                    item.setToolTip(item.text())
            self.table.setItem(r, c, item)
        if self.detail is not None:
            self._details.append(str(row.get(self.detail.key) or ""))
        return r

    # ---------------------------------------------------------------- actions
    def add_row(self) -> None:
        r = self._append({})
        self.table.setCurrentCell(r, 0)
        if self.table.item(r, 0) is not None:
            self.table.editItem(self.table.item(r, 0))
        self._emit_changed()

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
        rows[r], rows[target] = rows[target], rows[r]
        self.set_rows(rows)
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
        added = 0
        for record in reader:
            row: dict[str, Any] = {}
            for source, key in mapping.items():
                value = (record.get(source) or "").strip()
                col = next(c for c in self.all_columns() if c.key == key)
                row[key] = [p.strip() for p in value.split(LIST_SEP) if p.strip()] if col.kind == "list" else value
            if any(row.values()):
                self._append(row)
                added += 1
        if added:
            self._emit_changed()
        return added

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
            show_message("info", f"Imported {added} row(s) from {path}.")

    # ---------------------------------------------------------------- highlighting
    def mark_error(self, row: int | None, key: str | None) -> None:
        self.clear_marks()
        if row is None or not 0 <= row < self.table.rowCount():
            return
        self.table.setCurrentCell(row, 0)
        for c, col in enumerate(self.columns):
            if key is None or col.key == key:
                item = self.table.item(row, c)
                if item is not None:
                    self._loading = True
                    item.setBackground(QBrush(ERROR_BG))
                    self._loading = False

    def clear_marks(self) -> None:
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
                self.detail_edit.setPlainText(self._details[row])
            else:
                self.detail_edit.setEnabled(False)
                self.detail_edit.setPlainText("")
        finally:
            self._loading = False

    def _on_detail_changed(self) -> None:
        if self._loading:
            return
        row = self.table.currentRow()
        if 0 <= row < len(self._details):
            self._details[row] = self.detail_edit.toPlainText()
            self._emit_changed()
