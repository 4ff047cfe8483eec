"""The Files tab's state and decisions, without widgets.

The tab previews what a build of the project as typed *now* would generate, and diffs it
against the last successful build. Rendering runs on a worker (the named operations of
``gui/operations/codegen.py``), debounced while the form changes (the view owns the timer).
Each request gets a generation number and a result is applied only if it is still the
newest, so a slow render started before the last keystroke can never overwrite the preview
of a newer spec; the last build's files are applied only for the project still shown.

These rules run here against a fake of the services (tests/unit/gui_controllers); the
widgets (``files_tab``) draw what :class:`FilesView` is told.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pixel_desktop.errors import PixelError
from pixel_desktop.gui.operations import Runner
from pixel_desktop.gui.operations import codegen as codegen_ops

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord, GeneratedFile
    from pixel_desktop.gui.services import Services
    from pixel_desktop.spec import ProjectSpec

NO_PROJECT = "Select a project to preview its generated files."
NO_BUILD = "no successful build yet"
RENDERING = "Rendering…"
CHANGED_MARK = "  •"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of the tree: its path (folders come from it), shown name, size and tooltip."""

    path: str
    name: str
    size: str
    tip: str
    changed: bool  # differs from the last successful build (drawn bold, marked)


class FilesView(Protocol):
    """What the controller asks of the tab's widgets (``FilesTab`` implements it)."""

    def show_status(self, text: str) -> None: ...
    def show_tree(self, entries: Sequence[FileEntry], select: str | None) -> None: ...
    def show_source(self, path: str, text: str) -> None: ...  # highlighted for its language
    def show_diff(self, text: str) -> None: ...
    def start_debounce(self) -> None: ...  # the view's timer calls ``render_now`` when quiet
    def stop_debounce(self) -> None: ...
    def render_applied(self, generation: int) -> None: ...  # a render was shown
    def report(self, exc: BaseException) -> None: ...  # an unexpected error: banner and log


def unified_diff(path: str, old: bytes | None, new: bytes | None) -> str:
    def lines(data: bytes | None) -> list[str]:
        return [] if data is None else data.decode("utf-8", "replace").splitlines(keepends=True)

    diff = difflib.unified_diff(lines(old), lines(new), f"last build/{path}", f"now/{path}")
    return "".join(diff)


def size_text(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"


def source_text(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return f"({len(content)} bytes of binary data)"


class FilesController:
    """State of the Files tab and what each input (edit, selection, answer) does to it."""

    def __init__(self, services: Services, runner: Runner, view: FilesView) -> None:
        self._services = services
        self._runner = runner
        self._view = view
        self.generation = 0  # of the newest render requested
        self.applied_generation = 0  # of the render shown
        self.pending_spec: ProjectSpec | None = None
        self.project_id: int | None = None
        self.files: dict[str, bytes] = {}
        self.roles: dict[str, str] = {}
        self.baseline: dict[str, bytes] = {}  # the last successful build's files
        self.baseline_label_text = ""
        self.current_path: str | None = None
        self.diff_mode = False

    # ---------------------------------------------------------------- requests
    def start(self) -> None:
        self._view.show_status(NO_PROJECT)

    def set_project(self, spec: ProjectSpec, project_id: int | None) -> None:
        """New project selected: render at once and load the last build's files."""
        self.project_id = project_id
        self.baseline, self.baseline_label_text = {}, NO_BUILD
        if project_id is not None:
            codegen_ops.last_build_files(self._services, project_id).success(
                lambda result: self._baseline_loaded(project_id, result)
            ).failure(lambda exc: self._baseline_failed(project_id, exc)).run_in_background(self._runner)
        self.pending_spec = spec
        self.render_now()

    def refresh_baseline(self) -> None:
        """A build completed: re-read the last successful build's files for the diff."""
        if self.pending_spec is not None:
            self.set_project(self.pending_spec, self.project_id)

    def schedule(self, spec: ProjectSpec) -> None:
        """The form changed (and validates): re-render after a quiet period."""
        self.pending_spec = spec
        self._view.start_debounce()

    def render_now(self) -> None:
        self._view.stop_debounce()
        spec = self.pending_spec
        if spec is None:
            return
        self.generation += 1
        generation = self.generation
        self._view.show_status(RENDERING)
        codegen_ops.render(self._services, spec, self.project_id).success(
            lambda files: self._apply(generation, files)
        ).failure(lambda exc: self._render_failed(generation, exc)).run_in_background(self._runner)

    def select(self, path: str | None) -> None:
        """A file was chosen in the tree."""
        self.current_path = path
        self._show_current()

    def set_diff_mode(self, on: bool) -> None:
        self.diff_mode = on
        self._show_current()

    # ---------------------------------------------------------------- answers
    def _apply(self, generation: int, files: list[GeneratedFile]) -> None:
        if generation != self.generation:
            return  # a newer render is on its way; never show stale output
        self.applied_generation = generation
        self.files = {f.path: f.content for f in files}
        self.roles = {f.path: f.role for f in files}
        self._fill_tree()
        self._view.show_status(self.summary())
        self._view.render_applied(generation)

    def summary(self) -> str:
        """"12 files · 40.1 KiB · 2 changed since build #7"."""
        text = f"{len(self.files)} files · {size_text(sum(len(c) for c in self.files.values()))}"
        if self.baseline:
            changed = sum(1 for path in self.files if self.changed(path))
            text += f" · {changed} changed since {self.baseline_label_text}"
        return text

    def changed(self, path: str) -> bool:
        return bool(self.baseline) and self.baseline.get(path) != self.files.get(path)

    def _render_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        message = str(exc) if isinstance(exc, PixelError) else f"Rendering failed: {type(exc).__name__}: {exc}"
        self._view.show_status(f"⚠ {message}")
        if not isinstance(exc, PixelError):
            self._view.report(exc)

    def _baseline_loaded(self, project_id: int, result: tuple[BuildRecord | None, dict[str, bytes]]) -> None:
        if project_id != self.project_id:
            return
        build, files = result
        self.baseline = files
        self.baseline_label_text = f"build #{build.id}" if build is not None else NO_BUILD
        if self.files:
            self._fill_tree()
            self._view.show_status(self.summary())

    def _baseline_failed(self, project_id: int, exc: BaseException) -> None:
        if project_id == self.project_id:
            self.baseline_label_text = f"last build unavailable ({exc})"

    # ---------------------------------------------------------------- what is shown
    def entries(self) -> list[FileEntry]:
        out = []
        for path in sorted(self.files):
            name = path.rsplit("/", 1)[-1]
            changed = self.changed(path)
            out.append(
                FileEntry(
                    path=path,
                    name=name + CHANGED_MARK if changed else name,
                    size=size_text(len(self.files[path])),
                    tip=f"{path}: changed since {self.baseline_label_text}" if changed else f"{path} ({self.roles.get(path, '')})",
                    changed=changed,
                )
            )
        return out

    def _pick(self) -> str | None:
        """Keep the file shown; the first time, the Dockerfile; else the first file."""
        paths = sorted(self.files)
        if self.current_path in self.files:
            return self.current_path
        if self.current_path is None:
            dockerfile = next((p for p in paths if p.lower().endswith("dockerfile")), None)
            if dockerfile is not None:
                return dockerfile
        return paths[0] if paths else None

    def _fill_tree(self) -> None:
        self.current_path = self._pick()
        self._view.show_tree(self.entries(), self.current_path)
        self._show_current()

    def _show_current(self) -> None:
        path = self.current_path
        if path is None:
            return
        content = self.files.get(path, b"")
        if self.diff_mode:
            self._view.show_diff(self.diff_text(path, content))
        else:
            self._view.show_source(path, source_text(content))

    def diff_text(self, path: str, content: bytes) -> str:
        if not self.baseline:
            return f"No successful build of this project yet ({self.baseline_label_text}); nothing to compare with."
        return unified_diff(path, self.baseline.get(path), content) or f"{path}: unchanged since {self.baseline_label_text}."
