"""Files tab widgets: the generated service as a tree, a highlighted read-only viewer and a diff.

Thin on purpose: what is rendered when, which answer may still be shown, which file is
selected and what the viewer says are decided by ``files_controller.FilesController``
(tested without Qt); this module draws what it asks
(:class:`~pixel_desktop.gui.files_controller.FilesView`), owns the debounce timer and turns
clicks into controller calls.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from pixel_desktop.gui import theme
from pixel_desktop.gui.errors import report_exception
from pixel_desktop.gui.files_controller import FileEntry, FilesController, unified_diff
from pixel_desktop.gui.highlight import CodeHighlighter, DiffHighlighter, language_for
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.gui.widgets.layout import hbox, margins, splitter, vbox, widget
from pixel_desktop.spec import ProjectSpec

__all__ = ["DEBOUNCE_MS", "FilesTab", "unified_diff"]
DEBOUNCE_MS = 300
PATH_ROLE = Qt.ItemDataRole.UserRole
SOURCE, DIFF = 0, 1  # ids of the view buttons


class FilesTab(QWidget):
    rendered = Signal(int)  # generation applied

    def __init__(self, services: Services, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = FilesController(services, tasks, self)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Size"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._tree_selection)

        self.status = QLabel()
        self.status.setObjectName("hint")
        self.view_buttons = QButtonGroup(self)
        buttons: list[QToolButton] = []
        for button_id, (text, icon) in enumerate(
            [("Source", QStyle.StandardPixmap.SP_FileIcon), ("Diff vs last build", QStyle.StandardPixmap.SP_BrowserReload)]
        ):
            button = QToolButton()
            button.setText(text)
            button.setIcon(self.style().standardIcon(icon))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setChecked(button_id == SOURCE)
            self.view_buttons.addButton(button, button_id)
            buttons.append(button)
        self.view_buttons.idClicked.connect(lambda button_id: self.controller.set_diff_mode(button_id == DIFF))

        self.viewer = QPlainTextEdit()
        self.viewer.setReadOnly(True)
        self.viewer.setFont(theme.mono_font())
        self.viewer.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._code_hl = CodeHighlighter(self.viewer.document())
        self._diff_hl: DiffHighlighter | None = None

        right = widget(vbox(0, 6, hbox(0, 6, (self.status, 1), *buttons), (self.viewer, 1)))
        self.setLayout(margins(vbox(0, 0, splitter(Qt.Orientation.Horizontal, self.tree, right, sizes=[320, 900])), 12, 10, 12, 10))

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.controller.render_now)
        self.controller.start()

    # ---------------------------------------------------------------- public (MainWindow, app, tests)
    @property
    def generation(self) -> int:
        return self.controller.generation

    @property
    def applied_generation(self) -> int:
        return self.controller.applied_generation

    @property
    def files(self) -> dict[str, bytes]:
        return self.controller.files

    @property
    def baseline(self) -> dict[str, bytes]:
        return self.controller.baseline

    @property
    def baseline_label_text(self) -> str:
        return self.controller.baseline_label_text

    def set_project(self, spec: ProjectSpec, project_id: int | None) -> None:
        self.controller.set_project(spec, project_id)

    def refresh_baseline(self) -> None:
        self.controller.refresh_baseline()

    def schedule(self, spec: ProjectSpec) -> None:
        self.controller.schedule(spec)

    def _render_now(self) -> None:
        """Render without waiting for the quiet period (tests)."""
        self.controller.render_now()

    def current_path(self) -> str | None:
        return self.controller.current_path

    def select_path(self, path: str) -> None:
        for item in _walk(self.tree):
            if item.data(0, PATH_ROLE) == path:
                self.tree.setCurrentItem(item)
                return

    def diff_mode(self) -> bool:
        return self.controller.diff_mode

    def set_diff_mode(self, on: bool) -> None:
        self.view_buttons.button(DIFF if on else SOURCE).setChecked(True)
        self.controller.set_diff_mode(on)

    # ---------------------------------------------------------------- FilesView (drawn for the controller)
    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def show_tree(self, entries: Sequence[FileEntry], select: str | None) -> None:
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            folders: dict[str, QTreeWidgetItem] = {}
            style = self.style()
            dir_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
            file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
            chosen: QTreeWidgetItem | None = None
            for entry in entries:
                parent: QTreeWidget | QTreeWidgetItem = self.tree
                parts = entry.path.split("/")
                for depth in range(len(parts) - 1):
                    key = "/".join(parts[: depth + 1])
                    if key not in folders:
                        folder = QTreeWidgetItem(parent, [parts[depth], ""])
                        folder.setIcon(0, dir_icon)
                        folders[key] = folder
                    parent = folders[key]
                item = QTreeWidgetItem(parent, [entry.name, entry.size])
                item.setIcon(0, file_icon)
                item.setData(0, PATH_ROLE, entry.path)
                item.setToolTip(0, entry.tip)
                if entry.changed:
                    font = item.font(0)
                    font.setBold(True)
                    item.setFont(0, font)
                if entry.path == select:
                    chosen = item
            self.tree.expandAll()
            if chosen is not None:
                self.tree.setCurrentItem(chosen)
        finally:
            self.tree.blockSignals(False)

    def show_source(self, path: str, text: str) -> None:
        if self._diff_hl is not None:
            self._diff_hl.setDocument(None)
        self._code_hl.setDocument(self.viewer.document())
        self._code_hl.set_language(language_for(path))
        self.viewer.setPlainText(text)

    def show_diff(self, text: str) -> None:
        self._code_hl.setDocument(None)
        if self._diff_hl is None:
            self._diff_hl = DiffHighlighter(self.viewer.document())
        else:
            self._diff_hl.setDocument(self.viewer.document())
        self.viewer.setPlainText(text)

    def start_debounce(self) -> None:
        self._timer.start()

    def stop_debounce(self) -> None:
        self._timer.stop()

    def render_applied(self, generation: int) -> None:
        self.rendered.emit(generation)

    def report(self, exc: BaseException) -> None:
        report_exception(exc)

    # ---------------------------------------------------------------- private
    def _tree_selection(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        path = current.data(0, PATH_ROLE) if current is not None else None
        if path:  # a folder shows nothing new: the file shown stays
            self.controller.select(path)


def _walk(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    """Every item, depth first in the order shown."""
    out: list[QTreeWidgetItem] = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop(0)
        if item is None:
            continue
        out.append(item)
        stack[0:0] = [item.child(i) for i in range(item.childCount())]
    return out
