"""The Files tab's decisions, without widgets and without Docker.

A fake of the two codegen services (a "spec" is just the greeting the files are rendered
from), a runner that answers at once or in the order a test chooses, and a view that records
what it was told. Proven here: a render started before a newer one never replaces it, an
edit waits for the debounce, the Dockerfile is shown first and the chosen file is kept,
files changed since the last build are marked and diffed, the last build of a project no
longer shown is dropped, and a render that fails says why without losing the last preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gui_controller_fakes import DeferredRunner, SyncRunner

from pixel_desktop.errors import SpecError
from pixel_desktop.gui.files_controller import FileEntry, FilesController, unified_diff


@dataclass(frozen=True)
class File:
    path: str
    content: bytes
    role: str = "code"


@dataclass(frozen=True)
class Spec:
    greeting: str


@dataclass(frozen=True)
class Build:
    id: int


def rendered(spec: Spec) -> list[File]:
    return [
        File("main.py", f"GREETING = {spec.greeting!r}\n".encode()),
        File("Dockerfile", b"FROM python:3.11-slim\n", "build"),
        File("assistant/data/faq.json", b"[]\n", "data"),
    ]


class FakeCodegen:
    def __init__(self) -> None:
        self.last_build: dict[int, tuple[Build | None, dict[str, bytes]]] = {}
        self.fail: BaseException | None = None
        self.renders: list[tuple[Spec, int | None]] = []

    def render(self, spec: Spec, project_id: int | None = None) -> list[File]:
        self.renders.append((spec, project_id))
        if self.fail is not None:
            raise self.fail
        return rendered(spec)

    def last_build_files(self, project_id: int) -> tuple[Build | None, dict[str, bytes]]:
        return self.last_build.get(project_id, (None, {}))


class RecordingView:
    def __init__(self) -> None:
        self.status = ""
        self.entries: list[FileEntry] = []
        self.selected: str | None = None
        self.shown: tuple[str, str] = ("", "")  # ("source" | "diff", text)
        self.language_of = ""
        self.debouncing = False
        self.applied: list[int] = []
        self.reported: list[BaseException] = []

    def show_status(self, text: str) -> None:
        self.status = text

    def show_tree(self, entries: Sequence[FileEntry], select: str | None) -> None:
        self.entries, self.selected = list(entries), select

    def show_source(self, path: str, text: str) -> None:
        self.shown, self.language_of = ("source", text), path

    def show_diff(self, text: str) -> None:
        self.shown = ("diff", text)

    def start_debounce(self) -> None:
        self.debouncing = True

    def stop_debounce(self) -> None:
        self.debouncing = False

    def render_applied(self, generation: int) -> None:
        self.applied.append(generation)

    def report(self, exc: BaseException) -> None:
        self.reported.append(exc)


def make(runner: Any = None) -> tuple[FilesController, FakeCodegen, RecordingView]:
    services, view = FakeCodegen(), RecordingView()
    controller = FilesController(services, runner or SyncRunner(), view)  # type: ignore[arg-type]
    controller.start()
    return controller, services, view


def test_a_new_project_is_rendered_at_once_with_the_dockerfile_shown_first() -> None:
    controller, services, view = make()
    assert view.status == "Select a project to preview its generated files."
    controller.set_project(Spec("Hi"), None)  # type: ignore[arg-type]
    assert services.renders == [(Spec("Hi"), None)]
    assert [e.path for e in view.entries] == ["Dockerfile", "assistant/data/faq.json", "main.py"]
    assert view.selected == "Dockerfile" and view.shown == ("source", "FROM python:3.11-slim\n")
    assert view.entries[0].tip == "Dockerfile (build)" and view.entries[0].size == "22 B"
    assert view.status == "3 files · 41 B"  # not "0.0 KiB"
    assert view.applied == [1] and controller.applied_generation == 1


def test_an_edit_waits_for_the_quiet_period_and_keeps_the_chosen_file() -> None:
    controller, services, view = make()
    controller.set_project(Spec("Hi"), None)  # type: ignore[arg-type]
    controller.select("main.py")
    controller.schedule(Spec("Servus"))  # type: ignore[arg-type]
    assert view.debouncing and len(services.renders) == 1
    controller.render_now()  # the view's timer fired
    assert not view.debouncing
    assert view.selected == "main.py" and view.shown == ("source", "GREETING = 'Servus'\n")
    assert view.language_of == "main.py"


def test_a_slow_render_never_overwrites_a_newer_one() -> None:
    runner = DeferredRunner()
    controller, _services, view = make(runner)
    controller.set_project(Spec("slow"), None)  # type: ignore[arg-type]
    controller.schedule(Spec("fast and newest"))  # type: ignore[arg-type]
    controller.render_now()
    runner.finish(1)  # the newer render answers first
    runner.finish(0)  # the older one, late: dropped
    assert controller.applied_generation == 2 == controller.generation
    assert b"fast and newest" in controller.files["main.py"]
    assert view.applied == [2]


def test_files_changed_since_the_last_build_are_marked_counted_and_diffed() -> None:
    controller, services, view = make()
    services.last_build[4] = (Build(7), {f.path: f.content for f in rendered(Spec("Hi"))})
    controller.set_project(Spec("Servus"), 4)  # type: ignore[arg-type]
    assert view.status == "3 files · 45 B · 1 changed since build #7"
    main = next(e for e in view.entries if e.path == "main.py")
    assert main.changed and main.name == "main.py  •" and main.tip == "main.py: changed since build #7"
    controller.select("main.py")
    controller.set_diff_mode(True)
    kind, diff = view.shown
    assert kind == "diff" and "-GREETING = 'Hi'" in diff and "+GREETING = 'Servus'" in diff
    controller.select("Dockerfile")
    assert view.shown == ("diff", "Dockerfile: unchanged since build #7.")
    controller.set_diff_mode(False)
    assert view.shown == ("source", "FROM python:3.11-slim\n")


def test_without_a_successful_build_the_diff_says_there_is_nothing_to_compare() -> None:
    controller, _services, view = make()
    controller.set_project(Spec("Hi"), 4)  # type: ignore[arg-type]
    controller.set_diff_mode(True)
    assert view.shown == ("diff", "No successful build of this project yet (no successful build yet); nothing to compare with.")
    assert not any(e.changed for e in view.entries)


def test_the_last_build_of_a_project_no_longer_shown_is_dropped() -> None:
    runner = DeferredRunner()
    controller, services, _view = make(runner)
    services.last_build[4] = (Build(7), {"main.py": b"old"})
    controller.set_project(Spec("Hi"), 4)  # type: ignore[arg-type]  ops 0 (baseline), 1 (render)
    controller.set_project(Spec("Other"), 5)  # type: ignore[arg-type]  ops 2, 3
    runner.finish(0)
    assert controller.baseline == {} and controller.baseline_label_text == "no successful build yet"


def test_a_render_that_fails_says_why_and_keeps_the_last_preview() -> None:
    controller, services, view = make()
    controller.set_project(Spec("Hi"), None)  # type: ignore[arg-type]
    services.fail = SpecError("port: must be at least 1024")
    controller.schedule(Spec("x"))  # type: ignore[arg-type]
    controller.render_now()
    assert view.status == "⚠ port: must be at least 1024" and view.reported == []
    assert b"'Hi'" in controller.files["main.py"] and controller.applied_generation == 1
    services.fail = KeyError("template")
    controller.render_now()
    assert view.status == "⚠ Rendering failed: KeyError: 'template'"
    assert [type(e) for e in view.reported] == [KeyError]  # unexpected: banner and log


def test_binary_files_are_described_not_shown() -> None:
    controller, services, view = make()
    services.render = lambda spec, project_id=None: [File("logo.png", b"\x89PNG\xff\xfe")]  # type: ignore[method-assign]
    controller.set_project(Spec("Hi"), None)  # type: ignore[arg-type]
    assert view.shown == ("source", "(6 bytes of binary data)")


def test_unified_diff_names_the_last_build_and_now() -> None:
    diff = unified_diff("config/prompts.py", b"a\nb\n", b"a\nc\n")
    assert "--- last build/config/prompts.py" in diff and "+++ now/config/prompts.py" in diff
