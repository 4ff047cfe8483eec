"""The Try it panel's state and decisions, without widgets.

Which build runs, when the assistant starts and stops, what an answer adds to the
conversation, and whether an answer may be turned into an FAQ phrasing or a conversation
test: all here, tested with a fake view and a synchronous runner (tests/unit/gui_controllers).
The widgets (``try_panel``) only draw what this asks through :class:`TryView`.

Lifetime: every start gets a generation number; a start that answers after the panel was
closed, the build changed or the project switched is stopped at once, so a slow /health never
leaves a container behind. Closing sets the start's cancel event (the use case then removes
what it started) and stops a running assistant.

Edits: the editor is the one place a project is changed by hand, so an edit made here while
the editor holds unsaved changes is refused with what to do (save or discard first), never
merged behind the user's back; a saved edit hands the new record to the window, which reloads
the editor.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pixel_desktop.gui.operations import Runner
from pixel_desktop.gui.operations import try_it as try_ops

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord, ProjectRecord
    from pixel_desktop.app.try_it import TryAnswer, TrySession
    from pixel_desktop.gui.services import Services

DIRTY_REFUSAL = (
    "The editor has unsaved changes to {name}. Save them (Ctrl+S) or discard them first, then "
    "click again: Try it saves the project and must not overwrite your edits."
)
REBUILD_HINT = "The running build does not know it yet: build again to use it."


class TryView(Protocol):
    """What the controller asks of the widgets; each call is a plain "draw this"."""

    def show_builds(self, builds: Sequence[BuildRecord], select: int | None) -> None: ...
    def show_status(self, level: str, text: str) -> None: ...  # level: info | busy | error
    def set_chat_enabled(self, enabled: bool) -> None: ...
    def set_edit_actions(self, phrasing: bool, test: bool) -> None: ...
    def clear_chat(self) -> None: ...
    def append_question(self, text: str) -> None: ...
    def append_answer(self, answer: TryAnswer) -> None: ...
    def append_note(self, level: str, text: str) -> None: ...
    def question_sent(self) -> None: ...  # the input may be cleared: the question was answered
    def choose_faq_entry(self, questions: Sequence[str], question: str) -> str | None: ...
    def project_saved(self, record: ProjectRecord) -> None: ...


@dataclass(frozen=True, slots=True)
class EditorState:
    """The window's project as the editor holds it (read at click time)."""

    record: ProjectRecord | None
    dirty: bool


class TryController:
    def __init__(
        self,
        services: Services,
        runner: Runner,
        view: TryView,
        editor_state: Callable[[], EditorState],
    ) -> None:
        self._services = services
        self._runner = runner
        self.view = view
        self._editor_state = editor_state
        self.slug: str | None = None
        self.is_open = False
        self.builds: list[BuildRecord] = []
        self.build_id: int | None = None  # the build chosen (None until the list is known)
        self.session: TrySession | None = None
        self.starting = False
        self.asking = False
        self.conversation: str | None = None
        self.answers: list[TryAnswer] = []
        self._generation = 0
        self._cancel = threading.Event()

    # ---------------------------------------------------------------- lifetime
    def set_project(self, slug: str | None) -> None:
        """The window opened another project: a running assistant of the old one stops."""
        if slug == self.slug:
            return
        self.slug = slug
        if self.is_open:
            self._stop_current()
            self._reset_chat()
            self._load_builds()

    def open(self) -> None:
        if self.is_open:
            return
        self.is_open = True
        self._reset_chat()
        self._load_builds()

    def close(self) -> None:
        """The panel closed: cancel a start, stop the assistant (if Try it started it)."""
        self.is_open = False
        self._stop_current()
        self.view.set_chat_enabled(False)
        self.view.show_status("info", "Closed. Open Try it to talk to the assistant again.")

    def shutdown(self) -> None:
        """The app exits: stop the assistant now, on this thread (no event loop is left to
        answer a background operation)."""
        self.is_open = False
        self._generation += 1
        self._cancel.set()
        session, self.session = self.session, None
        if session is not None:
            # Best effort on exit: the next start removes what is left (clean_leftovers).
            with contextlib.suppress(Exception):
                try_ops.stop_try(self._services, session).run_now()

    def clean_leftovers(self) -> None:
        """Remove the containers a crashed app left (by label); quiet when Docker is away."""
        try_ops.clean_leftovers(self._services).ignore_failure().run_in_background(self._runner)

    def _stop_current(self) -> None:
        self._generation += 1
        self._cancel.set()
        self.starting = False
        session, self.session = self.session, None
        if session is not None:
            try_ops.stop_try(self._services, session).run_in_background(self._runner)

    def _reset_chat(self) -> None:
        self.conversation = None
        self.answers = []
        self.view.clear_chat()
        self.view.set_chat_enabled(False)
        self._update_actions()

    # ---------------------------------------------------------------- builds and start
    def _load_builds(self) -> None:
        slug = self.slug
        if slug is None:
            self.view.show_builds([], None)
            self.view.show_status("info", "Choose a project to try its assistant.")
            return
        generation = self._generation
        self.view.show_status("busy", "Looking for a completed build…")
        (
            try_ops.try_builds(self._services, slug)
            .success(lambda builds: self._builds_loaded(generation, builds))
            .failure(lambda exc: self._failed(generation, exc))
            .run_in_background(self._runner)
        )

    def _builds_loaded(self, generation: int, builds: list[BuildRecord]) -> None:
        if generation != self._generation or not self.is_open:
            return
        self.builds = list(builds)
        if not self.builds:
            self.build_id = None
            self.view.show_builds([], None)
            self.view.show_status(
                "info", "No completed build yet. Build the project (Build on the toolbar), then try it."
            )
            return
        self.build_id = self.builds[0].id  # default: the newest completed build
        self.view.show_builds(self.builds, self.build_id)
        self._start()

    def build_finished(self, build_id: int, status: str) -> None:
        """A build ended: a new completed build of this project joins the list. The running
        assistant keeps its build (the user picks the new one); with none running yet, the
        new build starts."""
        if not self.is_open or self.slug is None or status != "completed":
            return
        if build_id in {b.id for b in self.builds}:
            return
        generation = self._generation
        (
            try_ops.try_builds(self._services, self.slug)
            .success(lambda builds: self._builds_refreshed(generation, builds, build_id))
            .ignore_failure()
            .run_in_background(self._runner)
        )

    def _builds_refreshed(self, generation: int, builds: list[BuildRecord], build_id: int) -> None:
        if generation != self._generation or not self.is_open:
            return
        if build_id not in {b.id for b in builds}:
            return  # another project's build
        self.builds = list(builds)
        if self.build_id is None:
            self.build_id = self.builds[0].id
            self.view.show_builds(self.builds, self.build_id)
            self._start()
            return
        self.view.show_builds(self.builds, self.build_id)
        self.view.append_note("info", f"Build {build_id} completed: choose it in the Build list to try it.")

    def choose_build(self, build_id: int) -> None:
        if build_id == self.build_id and (self.session is not None or self.starting):
            return
        self.build_id = build_id
        if self.is_open:
            self._stop_current()
            self._reset_chat()
            self._start()

    def retry(self) -> None:
        """Start again after a failure (the Start button)."""
        if self.is_open and self.session is None and not self.starting:
            self._load_builds()

    def _start(self) -> None:
        slug, build_id = self.slug, self.build_id
        if slug is None or build_id is None:
            return
        self._generation += 1
        generation = self._generation
        self._cancel = threading.Event()
        self.starting = True
        self.view.show_status("busy", f"Starting build {build_id}…")
        (
            try_ops.start_try(
                self._services, slug, build_id, cancel=self._cancel, on_progress=lambda _text: None
            )
            .success(lambda session: self._started(generation, session))
            .failure(lambda exc: self._failed(generation, exc))
            .run_in_background(self._runner)
        )

    def _started(self, generation: int, session: TrySession) -> None:
        if generation != self._generation or not self.is_open:
            # Closed or switched while it started: it must not keep running.
            try_ops.stop_try(self._services, session).ignore_failure().run_in_background(self._runner)
            return
        self.starting = False
        self.session = session
        self.view.show_status("info", f"{session.describe}. Ask it something.")
        self.view.set_chat_enabled(True)
        self._update_actions()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or not self.is_open:
            return
        self.starting = False
        self.view.show_status("error", _text(exc))

    # ---------------------------------------------------------------- chat
    def ask(self, text: str) -> None:
        question = text.strip()
        session = self.session
        if not question or session is None or self.asking:
            return
        self.asking = True
        generation = self._generation
        self.view.set_chat_enabled(False)
        self.view.append_question(question)
        (
            try_ops.ask(self._services, session, question, self.conversation)
            .success(lambda answer: self._answered(generation, answer))
            .failure(lambda exc: self._ask_failed(generation, exc))
            .run_in_background(self._runner)
        )

    def _answered(self, generation: int, answer: TryAnswer) -> None:
        self.asking = False
        if generation != self._generation:
            return
        self.conversation = answer.session_id
        self.answers.append(answer)
        self.view.append_answer(answer)
        self.view.question_sent()
        self.view.set_chat_enabled(True)
        self._update_actions()

    def _ask_failed(self, generation: int, exc: BaseException) -> None:
        self.asking = False
        if generation != self._generation:
            return
        self.view.append_note("error", _text(exc))  # the question stays in the input field
        self.view.set_chat_enabled(self.session is not None)

    @property
    def last_answer(self) -> TryAnswer | None:
        return self.answers[-1] if self.answers else None

    def _update_actions(self) -> None:
        usable = self.last_answer is not None
        self.view.set_edit_actions(usable, usable)

    # ---------------------------------------------------------------- edits
    def _editable(self) -> ProjectRecord | None:
        """The record to save against, or None after telling the user why not."""
        state = self._editor_state()
        record = state.record
        if record is None or record.slug != self.slug:
            self.view.append_note("error", "Open the project in the editor first.")
            return None
        if state.dirty:
            self.view.append_note("error", DIRTY_REFUSAL.format(name=record.name))
            return None
        return record

    def add_phrasing(self) -> None:
        """The last question becomes a phrasing of the FAQ entry that answered (or was
        suggested); after a fallback the user chooses the entry."""
        answer = self.last_answer
        record = self._editable() if answer is not None else None
        if answer is None or record is None:
            return
        entry = answer.faq_entry
        if entry is None:
            questions = [e.question for e in record.spec.training_data.faq]
            if not questions:
                self.view.append_note("error", f"{record.name} has no FAQ entry to add the question to.")
                return
            entry = self.view.choose_faq_entry(questions, answer.question)
            if entry is None:
                return
        chosen = entry
        (
            try_ops.add_phrasing(self._services, record.slug, record.version, chosen, answer.question)
            .success(lambda saved: self._saved(
                saved, f"Added \u201c{answer.question}\u201d as a phrasing of \u201c{chosen}\u201d."))
            .failure(lambda exc: self.view.append_note("error", _text(exc)))
            .run_in_background(self._runner)
        )

    def add_test(self) -> None:
        """The last question becomes a conversation test expecting the answer's start."""
        answer = self.last_answer
        record = self._editable() if answer is not None else None
        if answer is None or record is None:
            return
        (
            try_ops.add_test(self._services, record.slug, record.version, answer)
            .success(lambda saved: self._saved(
                saved, f"Added a conversation test asking \u201c{answer.question}\u201d."))
            .failure(lambda exc: self.view.append_note("error", _text(exc)))
            .run_in_background(self._runner)
        )

    def _saved(self, record: ProjectRecord, text: str) -> None:
        self.view.project_saved(record)
        self.view.append_note("info", f"{text} Saved as version {record.version}. {REBUILD_HINT}")


def _text(exc: BaseException) -> str:
    message = str(exc).strip()
    return message or f"{exc.__class__.__name__} (no message)"
