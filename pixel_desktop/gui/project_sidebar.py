"""The projects sidebar: search box, projects grouped by client, and their count.

A view only: the window decides what to load and what a choice means (unsaved edits,
opening the record); this widget draws the list it is given, reports the searched text
(debounced) and the chosen project, and can put the selection back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from pixel_desktop.gui.widgets.layout import margins, vbox

SLUG_ROLE = Qt.ItemDataRole.UserRole
SEARCH_DELAY_MS = 200
LOADING_TEXT = "Loading projects…"


class ProjectLike(Protocol):
    slug: str
    name: str
    client: str
    template: str
    version: int


def count_text(projects: int, clients: int) -> str:
    return f"{projects} project{'s' if projects != 1 else ''} · {clients} client{'s' if clients != 1 else ''}"


class ProjectSidebar(QWidget):
    search_changed = Signal()  # the search text settled (typing paused)
    project_chosen = Signal(str, object)  # slug, the previously current item (for revert)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        style = self.style()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search projects  (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView),
            QLineEdit.ActionPosition.LeadingPosition,
        )
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(14)
        self.tree.setIconSize(QSize(18, 18))
        self.tree.setObjectName("projectTree")
        self.tree.currentItemChanged.connect(self._current_changed)
        self.count_label = QLabel("")
        self.count_label.setObjectName("hint")
        self.loading = False
        title = QLabel("Projects")
        title.setObjectName("sidebarTitle")
        self.setLayout(margins(vbox(0, 6, title, self.search_edit, (self.tree, 1), self.count_label), 10, 10, 6, 10))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search_changed)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())

    def search_text(self) -> str:
        return self.search_edit.text().strip()

    def show_loading(self, text: str = LOADING_TEXT) -> None:
        """The busy state while the store opens and the list loads: the window is already up."""
        self.loading = True
        self.tree.clear()
        self.tree.setEnabled(False)
        self.count_label.setText(text)

    def show_load_error(self, text: str) -> None:
        """The list could not be loaded: say so where the list would be (the banner has the fix)."""
        self.loading = False
        self.tree.clear()
        self.tree.setEnabled(False)
        self.count_label.setText(text)

    def show_projects(self, records: Sequence[ProjectLike], wanted: str | None) -> bool:
        """Redraw the list; True when ``wanted`` is in it and now selected."""
        self.tree.blockSignals(True)
        self.tree.clear()
        clients: dict[str, QTreeWidgetItem] = {}
        style = self.style()
        select_item: QTreeWidgetItem | None = None
        for record in records:
            client = clients.get(record.client)
            if client is None:
                client = QTreeWidgetItem(self.tree, [record.client])
                client.setIcon(0, style.standardIcon(QStyle.StandardPixmap.SP_DirIcon))
                client.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = client.font(0)
                font.setBold(True)
                client.setFont(0, font)
                clients[record.client] = client
            item = QTreeWidgetItem(client, [record.name])
            item.setData(0, SLUG_ROLE, record.slug)
            item.setToolTip(0, f"{record.slug} · template {record.template} · v{record.version}")
            item.setIcon(0, style.standardIcon(QStyle.StandardPixmap.SP_ComputerIcon))
            if record.slug == wanted:
                select_item = item
        self.tree.expandAll()
        self.tree.blockSignals(False)
        self.count_label.setText(count_text(len(records), len(clients)))
        self.loading = False
        self.tree.setEnabled(True)
        if select_item is not None:
            self.tree.setCurrentItem(select_item)
        return select_item is not None

    def select(self, slug: str) -> bool:
        """Select ``slug`` if it is listed (the choice is reported); False when it is not."""
        for i in range(self.tree.topLevelItemCount()):
            client = self.tree.topLevelItem(i)
            for j in range(client.childCount() if client is not None else 0):
                item = client.child(j) if client is not None else None
                if item is not None and item.data(0, SLUG_ROLE) == slug:
                    self.tree.setCurrentItem(item)
                    return True
        return False

    def revert(self, previous: QTreeWidgetItem | None) -> None:
        """Put the selection back without reporting it (a refused switch)."""
        self.tree.blockSignals(True)
        if previous is None:
            self.tree.setCurrentIndex(QModelIndex())
        else:
            self.tree.setCurrentItem(previous)
        self.tree.blockSignals(False)

    def _current_changed(self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None) -> None:
        slug = current.data(0, SLUG_ROLE) if current is not None else None
        if slug is not None:
            self.project_chosen.emit(slug, previous)
