"""Try it controller: the newest build starts on open, answers land in the chat, a start that
answers after the panel closed is stopped, and edits are refused over unsaved editor changes.

Fake services and a synchronous (or deferred) runner: no Qt, no Docker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gui_controller_fakes import DeferredRunner, SyncRunner

from pixel_desktop.app.try_it import TryAnswer, TrySession, explain
from pixel_desktop.errors import ConflictError, InputError
from pixel_desktop.gui.try_controller import EditorState, TryController

RESET = "How do I reset my password?"


@dataclass(frozen=True)
class Build:
    id: int


@dataclass(frozen=True)
class Faq:
    question: str


@dataclass(frozen=True)
class Spec:
    training_data: Any


@dataclass(frozen=True)
class Training:
    faq: list[Faq]


@dataclass(frozen=True)
class Record:
    slug: str
    name: str
    version: int
    spec: Spec = field(default_factory=lambda: Spec(Training([Faq(RESET), Faq("How much is delivery?")])))


def session(build_id: int = 7) -> TrySession:
    return TrySession("acme", build_id, "img", f"c{build_id}", "http://127.0.0.1:5000", "/chat", True,
                      "started", "Acme Corp", "Hi!")


def answer(question: str, kind: str = "faq", title: str | None = RESET) -> TryAnswer:
    return TryAnswer(question, "Use the link.", "conv-1", kind, title, 0.9, False, 5.0,
                     explain(kind, title, 0.9, False))


class FakeServices:
    def __init__(self) -> None:
        self.builds = [Build(7), Build(5)]
        self.started: list[int | None] = []
        self.stopped: list[str] = []
        self.asked: list[tuple[str, str | None]] = []
        self.phrasings: list[tuple[str, int, str, str]] = []
        self.tests: list[tuple[str, int, str]] = []
        self.reply: Callable[[str], TryAnswer] = answer
        self.start_error: BaseException | None = None
        self.save_error: BaseException | None = None

    def try_builds(self, slug: str) -> list[Build]:
        return self.builds

    def start_try(self, slug: str, build_id: int | None, *, cancel: threading.Event,
                  on_progress: Callable[[str], None]) -> TrySession:
        self.started.append(build_id)
        if self.start_error is not None:
            raise self.start_error
        return session(build_id or 0)

    def ask_try(self, s: TrySession, message: str, conversation: str | None) -> TryAnswer:
        self.asked.append((message, conversation))
        return self.reply(message)

    def stop_try(self, s: TrySession) -> bool:
        self.stopped.append(s.container_id)
        return True

    def clean_try_leftovers(self) -> int:
        return 0

    def add_try_phrasing(self, slug: str, version: int, entry: str, phrasing: str) -> Record:
        if self.save_error is not None:
            raise self.save_error
        self.phrasings.append((slug, version, entry, phrasing))
        return Record(slug, "Acme", version + 1)

    def add_try_test(self, slug: str, version: int, a: TryAnswer) -> Record:
        self.tests.append((slug, version, a.question))
        return Record(slug, "Acme", version + 1)


class FakeView:
    def __init__(self) -> None:
        self.status: tuple[str, str] = ("", "")
        self.chat_enabled = False
        self.actions = (False, False)
        self.lines: list[str] = []
        self.builds_shown: tuple[list[int], int | None] = ([], None)
        self.sent = 0
        self.saved: list[Any] = []
        self.choice: str | None = RESET
        self.choices_offered: list[str] = []

    def show_builds(self, builds: Sequence[Any], select: int | None) -> None:
        self.builds_shown = ([b.id for b in builds], select)

    def show_status(self, level: str, text: str) -> None:
        self.status = (level, text)

    def set_chat_enabled(self, enabled: bool) -> None:
        self.chat_enabled = enabled

    def set_edit_actions(self, phrasing: bool, test: bool) -> None:
        self.actions = (phrasing, test)

    def clear_chat(self) -> None:
        self.lines = []

    def append_question(self, text: str) -> None:
        self.lines.append(f"you: {text}")

    def append_answer(self, a: TryAnswer) -> None:
        self.lines.append(f"bot: {a.reply} [{a.explanation}]")

    def append_note(self, level: str, text: str) -> None:
        self.lines.append(f"{level}: {text}")

    def question_sent(self) -> None:
        self.sent += 1

    def choose_faq_entry(self, questions: Sequence[str], question: str) -> str | None:
        self.choices_offered = list(questions)
        return self.choice

    def project_saved(self, record: Any) -> None:
        self.saved.append(record)


def make(runner: Any = None, dirty: bool = False) -> tuple[TryController, FakeServices, FakeView]:
    services, view = FakeServices(), FakeView()
    state = {"dirty": dirty}
    controller = TryController(services, runner or SyncRunner(), view,  # type: ignore[arg-type]
                               lambda: EditorState(Record("acme", "Acme", 3), state["dirty"]))  # type: ignore[arg-type]
    controller.set_project("acme")
    controller._dirty_state = state  # type: ignore[attr-defined]
    return controller, services, view


def test_opening_starts_the_newest_completed_build_and_enables_the_chat() -> None:
    c, services, view = make()
    assert services.started == []  # nothing runs before the panel opens
    c.open()
    assert services.started == [7]
    assert view.builds_shown == ([7, 5], 7)
    assert view.chat_enabled and "Build 7 running on http://127.0.0.1:5000" in view.status[1]


def test_without_a_completed_build_the_panel_says_to_build_first() -> None:
    c, services, view = make()
    services.builds = []
    c.open()
    assert services.started == []
    assert "No completed build yet. Build the project" in view.status[1]
    assert not view.chat_enabled


def test_an_answer_shows_its_source_and_continues_the_conversation() -> None:
    c, services, view = make()
    c.open()
    c.ask("  I forgot my password ")
    c.ask("and again?")
    assert services.asked == [("I forgot my password", None), ("and again?", "conv-1")]
    assert view.lines[0] == "you: I forgot my password"
    assert f"From FAQ entry \u201c{RESET}\u201d (score 0.90)" in view.lines[1]
    assert view.sent == 2 and view.actions == (True, True)


def test_a_failed_question_keeps_the_typed_text_and_says_why() -> None:
    c, services, view = make()
    c.open()

    def refuse(_q: str) -> TryAnswer:
        raise InputError("The assistant at http://127.0.0.1:5000 did not answer.")

    services.reply = refuse
    c.ask("hello?")
    assert view.sent == 0  # the input is only cleared once answered
    assert view.lines[-1] == "error: The assistant at http://127.0.0.1:5000 did not answer."
    assert view.chat_enabled


def test_closing_stops_the_assistant_and_a_late_start_is_stopped_on_arrival() -> None:
    c, services, view = make()
    c.open()
    c.close()
    assert services.stopped == ["c7"] and not view.chat_enabled

    runner = DeferredRunner()
    c, services, view = make(runner)
    c.open()
    runner.finish(0)  # the builds arrive: the start is queued
    c.close()
    runner.finish(1)  # the start answers after the panel closed...
    stop, _ = runner.pending[2]  # ...and its container is stopped at once
    stop()
    assert services.stopped == ["c7"] and c.session is None


def test_choosing_another_build_restarts_on_it() -> None:
    c, services, _view = make()
    c.open()
    c.choose_build(5)
    assert services.started == [7, 5] and services.stopped == ["c7"]
    assert c.session is not None and c.session.build_id == 5


def test_switching_project_stops_the_old_assistant() -> None:
    c, services, _view = make()
    c.open()
    c.set_project("other")
    assert services.stopped == ["c7"] and services.started == [7, 7]


def test_app_exit_stops_the_assistant_on_the_spot() -> None:
    c, services, _view = make(DeferredRunner())
    c.is_open = True
    c.session = session()
    c.shutdown()
    assert services.stopped == ["c7"]


def test_a_start_failure_is_shown_in_words() -> None:
    c, services, view = make()
    services.start_error = InputError("The image of build 7 is no longer on the Docker daemon; build again.")
    c.open()
    assert view.status == ("error", "The image of build 7 is no longer on the Docker daemon; build again.")


def test_a_question_becomes_a_phrasing_of_the_answering_entry_and_the_editor_reloads() -> None:
    c, services, view = make()
    c.open()
    c.ask("I lost my password")
    c.add_phrasing()
    assert services.phrasings == [("acme", 3, RESET, "I lost my password")]
    assert [r.version for r in view.saved] == [4]
    assert "Saved as version 4" in view.lines[-1] and "build again" in view.lines[-1]


def test_after_a_fallback_the_user_chooses_the_entry() -> None:
    c, services, view = make()
    services.reply = lambda q: answer(q, "fallback", None)
    c.open()
    c.ask("when does my parcel arrive")
    view.choice = "How much is delivery?"
    c.add_phrasing()
    assert view.choices_offered == [RESET, "How much is delivery?"]
    assert services.phrasings == [("acme", 3, "How much is delivery?", "when does my parcel arrive")]
    view.choice = None  # cancelled: nothing saved
    c.add_phrasing()
    assert len(services.phrasings) == 1


def test_edits_are_refused_while_the_editor_has_unsaved_changes() -> None:
    c, services, view = make(dirty=True)
    c.open()
    c.ask("I lost my password")
    c.add_phrasing()
    c.add_test()
    assert services.phrasings == [] and services.tests == []
    assert "unsaved changes to Acme. Save them (Ctrl+S) or discard them first" in view.lines[-1]
    assert view.saved == []


def test_a_question_becomes_a_conversation_test() -> None:
    c, services, view = make()
    c.open()
    c.ask("I lost my password")
    c.add_test()
    assert services.tests == [("acme", 3, "I lost my password")]
    assert "Added a conversation test asking \u201cI lost my password\u201d" in view.lines[-1]


def test_a_conflicting_save_is_reported_and_nothing_reloads() -> None:
    c, services, view = make()
    services.save_error = ConflictError("acme was saved elsewhere (version 4); reload it first.")
    c.open()
    c.ask("I lost my password")
    c.add_phrasing()
    assert view.saved == [] and "saved elsewhere" in view.lines[-1]


def test_a_build_completed_while_open_joins_the_list_without_stopping_the_chat() -> None:
    c, services, view = make()
    c.open()
    services.builds = [Build(9), Build(7), Build(5)]
    c.build_finished(9, "completed")
    assert view.builds_shown == ([9, 7, 5], 7) and services.started == [7] and services.stopped == []
    assert "Build 9 completed: choose it in the Build list" in view.lines[-1]
    c.build_finished(8, "failed")  # not tryable: nothing asked
    assert view.builds_shown == ([9, 7, 5], 7)


def test_the_first_completed_build_starts_when_the_panel_waited_for_one() -> None:
    c, services, view = make()
    services.builds = []
    c.open()
    services.builds = [Build(1)]
    c.build_finished(1, "completed")
    assert services.started == [1] and view.chat_enabled
