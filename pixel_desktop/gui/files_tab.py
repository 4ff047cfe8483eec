"""Files tab: the generated service as a tree, a highlighted read-only viewer and a diff.

Rendering runs on a worker (the named operations of ``gui/operations/codegen.py``),
debounced while the form changes. Each request gets a
generation number and a result is applied only if it is still the newest, so a slow render
started before the last keystroke can never overwrite the preview of a newer spec.
"""

from __future__ import annotations

import difflib
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.errors import PixelError
from pixel_desktop.gui.highlight import CodeHighlighter, DiffHighlighter, language_for
from pixel_desktop.gui.operations import codegen as codegen_ops
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.spec import ProjectSpec

DEBOUNCE_MS = 300
PATH_ROLE = Qt.ItemDataRole.UserRole


def mono_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(max(font.pointSize(), 10))
    return font


def unified_diff(path: str, old: bytes | None, new: bytes | None) -> str:
    def lines(data: bytes | None) -> list[str]:
        return [] if data is None else data.decode("utf-8", "replace").splitlines(keepends=True)

    diff = difflib.unified_diff(lines(old), lines(new), f"last build/{path}", f"now/{path}")
    return "".join(diff)


class FilesTab(QWidget):
    rendered = Signal(int)  # generation applied

    def __init__(self, services: Services, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self._generation = 0
        self.applied_generation = 0
        self._pending_spec: ProjectSpec | None = None
        self._project_id: int | None = None
        self.files: dict[str, bytes] = {}
        self.roles: dict[str, str] = {}
        self.baseline: dict[str, bytes] = {}
        self.baseline_label_text = ""

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Size"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._show_current)

        self.status = QLabel("Select a project to preview its generated files.")
        self.status.setObjectName("hint")
        self.view_buttons = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        for index, (text, icon) in enumerate(
            [("Source", QStyle.StandardPixmap.SP_FileIcon), ("Diff vs last build", QStyle.StandardPixmap.SP_BrowserReload)]
        ):
            button = QToolButton()
            button.setText(text)
            button.setIcon(self.style().standardIcon(icon))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setChecked(index == 0)
            self.view_buttons.addButton(button, index)
            bar.addWidget(button)
        self.view_buttons.idClicked.connect(lambda _id: self._show_current())

        self.viewer = QPlainTextEdit()
        self.viewer.setReadOnly(True)
        self.viewer.setFont(mono_font())
        self.viewer.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._code_hl = CodeHighlighter(self.viewer.document())
        self._diff_hl: DiffHighlighter | None = None

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.viewer, 1)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setSizes([320, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(split)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._render_now)

    # ---------------------------------------------------------------- requests
    def set_project(self, spec: ProjectSpec, project_id: int | None) -> None:
        """New project selected: render at once and load the last build's files."""
        self._project_id = project_id
        self.baseline, self.baseline_label_text = {}, "no successful build yet"
        if project_id is not None:
            codegen_ops.last_build_files(self._services, project_id).success(
                lambda result, pid=project_id: self._baseline_loaded(pid, result)
            ).failure(self._baseline_failed).run_in_background(self._tasks)
        self._pending_spec = spec
        self._render_now()

    def refresh_baseline(self) -> None:
        """A build completed: re-read the last successful build's files for the diff."""
        if self._pending_spec is not None:
            self.set_project(self._pending_spec, self._project_id)

    def schedule(self, spec: ProjectSpec) -> None:
        """The form changed (and validates): re-render after a quiet period."""
        self._pending_spec = spec
        self._timer.start()

    def _render_now(self) -> None:
        self._timer.stop()
        spec = self._pending_spec
        if spec is None:
            return
        self._generation += 1
        generation, project_id = self._generation, self._project_id
        self.status.setText("Rendering…")
        codegen_ops.render(self._services, spec, project_id).success(
            lambda files: self._apply(generation, files)
        ).failure(lambda exc: self._render_failed(generation, exc)).run_in_background(self._tasks)

    @property
    def generation(self) -> int:
        return self._generation

    # ---------------------------------------------------------------- results (GUI thread)
    def _apply(self, generation: int, files: list[Any]) -> None:
        if generation != self._generation:
            return  # a newer render is on its way; never show stale output
        self.applied_generation = generation
        self.files = {f.path: f.content for f in files}
        self.roles = {f.path: f.role for f in files}
        self._fill_tree()
        changed = sum(1 for p, c in self.files.items() if self.baseline and self.baseline.get(p) != c)
        summary = f"{len(files)} files · {sum(len(c) for c in self.files.values()) / 1024:.1f} KiB"
        if self.baseline:
            summary += f" · {changed} changed since {self.baseline_label_text}"
        self.status.setText(summary)
        self.rendered.emit(generation)

    def _render_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        message = str(exc) if isinstance(exc, PixelError) else f"Rendering failed: {type(exc).__name__}: {exc}"
        self.status.setText(f"⚠ {message}")
        if not isinstance(exc, PixelError):
            from pixel_desktop.gui.errors import report_exception

            report_exception(exc)

    def _baseline_loaded(self, project_id: int, result: tuple[Any, dict[str, bytes]]) -> None:
        if project_id != self._project_id:
            return
        build, files = result
        self.baseline = files
        self.baseline_label_text = f"build #{build.id}" if build is not None else "no successful build yet"
        if self.files:
            self._fill_tree()
            self._show_current()

    def _baseline_failed(self, exc: BaseException) -> None:
        self.baseline_label_text = f"last build unavailable ({exc})"

    # ---------------------------------------------------------------- view
    def _fill_tree(self) -> None:
        current = self.current_path()
        self.tree.clear()
        folders: dict[str, QTreeWidgetItem] = {}
        style = self.style()
        dir_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        select: QTreeWidgetItem | None = None
        for path in sorted(self.files):
            parent: QTreeWidget | QTreeWidgetItem = self.tree
            parts = path.split("/")
            for depth in range(len(parts) - 1):
                key = "/".join(parts[: depth + 1])
                if key not in folders:
                    folder = QTreeWidgetItem(parent, [parts[depth], ""])
                    folder.setIcon(0, dir_icon)
                    folder.setExpanded(True)
                    folders[key] = folder
                parent = folders[key]
            item = QTreeWidgetItem(parent, [parts[-1], _size(len(self.files[path]))])
            item.setIcon(0, file_icon)
            item.setData(0, PATH_ROLE, path)
            item.setToolTip(0, f"{path} ({self.roles.get(path, '')})")
            if self.baseline and self.baseline.get(path) != self.files[path]:
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
                item.setText(0, f"{parts[-1]}  •")
                item.setToolTip(0, f"{path}: changed since {self.baseline_label_text}")
            if path == current or (select is None and current is None and path.lower().endswith("dockerfile")):
                select = item
        self.tree.expandAll()
        if select is None and self.tree.topLevelItemCount():
            select = _first_file(self.tree)
        if select is not None:
            self.tree.setCurrentItem(select)

    def current_path(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, PATH_ROLE) if item is not None else None

    def select_path(self, path: str) -> None:
        for item in _walk(self.tree):
            if item.data(0, PATH_ROLE) == path:
                self.tree.setCurrentItem(item)
                return

    def diff_mode(self) -> bool:
        return self.view_buttons.checkedId() == 1

    def set_diff_mode(self, on: bool) -> None:
        self.view_buttons.button(1 if on else 0).setChecked(True)
        self._show_current()

    def _show_current(self, *_: Any) -> None:
        path = self.current_path()
        if path is None:
            return
        content = self.files.get(path, b"")
        if self.diff_mode():
            self._code_hl.setDocument(None)
            if self._diff_hl is None:
                self._diff_hl = DiffHighlighter(self.viewer.document())
            else:
                self._diff_hl.setDocument(self.viewer.document())
            if not self.baseline:
                text = f"No successful build of this project yet ({self.baseline_label_text}); nothing to compare with."
            else:
                text = unified_diff(path, self.baseline.get(path), content) or f"{path}: unchanged since {self.baseline_label_text}."
            self.viewer.setPlainText(text)
            return
        if self._diff_hl is not None:
            self._diff_hl.setDocument(None)
        self._code_hl.setDocument(self.viewer.document())
        self._code_hl.set_language(language_for(path))
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = f"({len(content)} bytes of binary data)"
        self.viewer.setPlainText(text)


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"


def _walk(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    out: list[QTreeWidgetItem] = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop(0)
        out.append(item)
        stack[0:0] = [item.child(i) for i in range(item.childCount())]
    return out


def _first_file(tree: QTreeWidget) -> QTreeWidgetItem | None:
    return next((i for i in _walk(tree) if i.data(0, PATH_ROLE)), None)
