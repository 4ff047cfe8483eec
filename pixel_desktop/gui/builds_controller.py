"""The Builds tab's state and decisions, without widgets.

Which build the live view follows, what an event changes on screen, how statuses and
durations read, and which background operation to start: all here, so it is tested with a
fake view and fake services (tests/unit/gui_controllers), without Qt or Docker. The widgets
(``builds_tab``) only draw what this asks through :class:`BuildsView`.

The first lines of a build: the GUI learns a new build's id when the submit operation
returns, but the runner publishes "queued build N of …" and the first phase before that
answer reaches the GUI thread, and the window's one bus subscription (the bridge) has
handed them to this controller while no view followed that build. When the view starts
following a new build it therefore replays the job's events the bus still holds
(``EventBus.history``, bounded per job) and then skips those same events when the bridge
delivers them (it may still hold some), so the live view starts at the first line, each
line once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pixel_desktop.events import (
    PHASES,
    TERMINAL,
    BuildFinished,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)
from pixel_desktop.gui import builds_format as fmt
from pixel_desktop.gui.operations import Latest, Runner
from pixel_desktop.gui.operations import builds as build_ops

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord
    from pixel_desktop.gui.services import Services

LOG_TAIL_LINES = 20_000
STEPS_IDLE = "Docker steps"
BuildEvent = LogLine | PhaseChanged | StepProgress | MetricSample | BuildFinished
DONE = "done"
CHIPS = (*PHASES, DONE)


class BuildsView(Protocol):
    """What the controller asks of the widgets; each call is a plain "draw this"."""

    def clear_live(self) -> None: ...  # empty log, skipped notice, charts and step bar
    def show_title(self, text: str) -> None: ...
    def show_chips(self, chips: Sequence[Chip]) -> None: ...
    def show_steps(self, value: int, maximum: int, text: str) -> None: ...
    def append_log(self, lines: list[str], skipped: int) -> None: ...
    def show_samples(self, xs: list[float], cpu: list[float], mem_mib: list[float]) -> None: ...
    def show_history(self, builds: list[BuildRecord], select: int | None) -> None: ...
    def update_history_row(self, build: BuildRecord) -> None: ...  # one row, selection kept
    def show_message(self, level: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Chip:
    """One chip of the phase strip: ``kind`` is current | passed | pending | result."""

    key: str
    text: str
    kind: str
    status: str = ""  # for kind == "result": the terminal status (its colour)


@dataclass
class PhaseTrack:
    """Where the followed build is: the current phase and the phases it went through."""

    current: str = ""
    seen: set[str] = field(default_factory=set)

    def reset(self, seen: set[str] | None = None) -> None:
        self.seen = set(seen or ())

    def set_phase(self, phase: str) -> None:
        self.current = phase
        if phase in PHASES:
            self.seen.add(phase)
        elif not phase:
            self.seen = set()

    def chips(self) -> list[Chip]:
        """Phases passed stay marked, skipped ones grey; a terminal status fills the last chip."""
        phase = self.current
        terminal = phase not in PHASES and phase != ""
        index = len(CHIPS) - 1 if terminal else (CHIPS.index(phase) if phase in CHIPS else -1)
        chips = []
        for i, key in enumerate(CHIPS):
            if terminal and key == DONE:
                chips.append(Chip(key, phase.capitalize(), "result", phase))
            elif i == index:
                chips.append(Chip(key, key.capitalize(), "current"))
            elif i < index and key in self.seen:
                chips.append(Chip(key, key.capitalize(), "passed"))
            else:
                chips.append(Chip(key, key.capitalize(), "pending"))
        return chips


class BuildsController:
    """State of the Builds tab and what each input (event, click, answer) does to it."""

    def __init__(
        self,
        services: Services,
        runner: Runner,
        view: BuildsView,
        job_history: Callable[[int], Sequence[object]] = lambda _build_id: (),
    ) -> None:
        """``job_history(build_id)``: the build's events the bus still holds, oldest first."""
        self._services = services
        self._runner = runner
        self.view = view
        self._job_history = job_history
        self.slug: str | None = None
        self.build_id: int | None = None  # build whose log, progress and samples are shown
        self.history: list[BuildRecord] = []
        self.samples: list[MetricSample] = []
        self.phases = PhaseTrack()
        self.step = (0, 1, STEPS_IDLE)  # value, maximum, text of the Docker step bar
        self._t0: float | None = None
        self._replayed: dict[int, object] = {}  # id() → event, held so ids stay unique
        self._history_request = Latest()
        self._log_request = Latest()
        self._title = "No build selected"
        self.reuse: str | None = None  # why the followed build's image build was fast (its log's reuse line)

    # ---------------------------------------------------------------- project / build selection
    def set_project(self, slug: str | None) -> None:
        if slug == self.slug:
            return
        self.slug = slug
        self.show_build(None)
        self.refresh_history()

    def refresh_history(self, select: int | None = None) -> None:
        slug = self.slug
        token = self._history_request.next()
        if slug is None:
            self._history_loaded(None, [], None)
            return
        (
            build_ops.list_builds(self._services, slug, limit=50)
            .success(self._history_request.wrap(token, lambda builds: self._history_loaded(slug, builds, select)))
            .failure(lambda exc: self.view.show_message("error", f"Cannot load the build history: {exc}"))
            .run_in_background(self._runner)
        )

    def show_build(self, build_id: int | None, *, live: bool = False, replay: bool = True) -> None:
        """Follow ``build_id``: live, from its first event on (``replay``), else its past log."""
        self.build_id = build_id
        self.samples = []
        self._t0 = None
        self._replayed = {}
        self.reuse = None
        self.step = (0, 1, STEPS_IDLE)
        self._log_request.next()  # an older past-log answer must not land in this view
        self.view.clear_live()
        self.view.show_steps(*self.step)
        self.phases.set_phase("queued" if live else "")
        self.view.show_chips(self.phases.chips())
        if build_id is None:
            self._show_title("No build selected")
            return
        self._show_title(f"Build #{build_id}" + (" — running" if live else ""))
        if live and replay:
            self._replay(build_id)
        elif not live:
            self._load_past_log(build_id)

    def history_selected(self, build_id: int) -> None:
        """A history row was chosen: follow that build (live if it is still running)."""
        if build_id == self.build_id:
            return
        build = next((b for b in self.history if b.id == build_id), None)
        running = build is not None and build.status in PHASES
        # A running build's log so far comes from the store (every line, not just the
        # bus's bounded history); live events are appended as they come.
        self.show_build(build_id, live=running, replay=False)
        if running:
            self._load_past_log(build_id)

    def _replay(self, build_id: int) -> None:
        events = list(self._job_history(build_id))
        self._replayed = {id(e): e for e in events}
        lines = [e.text for e in events if isinstance(e, LogLine)]
        if lines:
            self.view.append_log(lines, 0)
            self._note_reuse(lines)
        for event in events:
            if isinstance(event, PhaseChanged):
                self._show_phase(event)
            elif isinstance(event, StepProgress):
                self._show_step(event)
            elif isinstance(event, MetricSample):
                self._show_metric(event)
            elif isinstance(event, BuildFinished):
                self._show_finished(event)

    def _follows(self, event: BuildEvent) -> bool:
        """Is ``event`` for the followed build and not already shown by the replay?"""
        return event.build_id == self.build_id and id(event) not in self._replayed

    def _load_past_log(self, build_id: int) -> None:
        token = self._log_request.next()
        (
            build_ops.build_with_log(self._services, build_id, LOG_TAIL_LINES)
            .success(self._log_request.wrap(token, lambda result: self._past_log_loaded(build_id, *result)))
            .failure(lambda exc: self.view.show_message("error", f"Cannot read the log of build #{build_id}: {exc}"))
            .run_in_background(self._runner)
        )

    def _past_log_loaded(self, build_id: int, build: BuildRecord, lines: list[str]) -> None:
        if build_id != self.build_id:
            return
        self.view.append_log(lines, 0)
        self.reuse = fmt.reuse_in(lines) or self.reuse
        self.phases.reset({"queued", *(build.phases or {})})
        self.phases.set_phase(build.status)
        self.view.show_chips(self.phases.chips())
        self._show_title(fmt.record_title(build))

    # ---------------------------------------------------------------- live events
    def on_log_batch(self, batch: Sequence[LogLine], skipped: int) -> None:
        build_id = self.build_id
        if build_id is None:
            return
        replayed = self._replayed
        lines = [e.text for e in batch if e.build_id == build_id and id(e) not in replayed]
        if lines:
            self.view.append_log(lines, skipped)
            self._note_reuse(lines)

    def _note_reuse(self, lines: Sequence[str]) -> None:
        reuse = fmt.reuse_in(lines)
        if reuse and reuse != self.reuse:
            self.reuse = reuse
            self._show_title(self._title)

    def _show_title(self, text: str) -> None:
        """The title, with the layer-reuse explanation of the shown build below it."""
        self._title = text
        self.view.show_title(fmt.with_reuse(text, self.reuse))
    def on_phase(self, event: PhaseChanged) -> None:
        self._history_follows(event.build_id, event.phase)
        if self._follows(event):
            self._show_phase(event)

    def _history_follows(self, build_id: int, status: str) -> None:
        """A listed build's row shows its live phase (and start) without a reload.

        A terminal status is left to the reload ``on_finished`` starts: that record also
        carries the size, phase durations and digest, so the row never reads "completed"
        with those cells still empty.
        """
        if status in TERMINAL:
            return
        for i, build in enumerate(self.history):
            if build.id != build_id:
                continue
            if build.status == status:
                return
            now = dt.datetime.now(dt.UTC)
            updated = dataclasses.replace(
                build,
                status=status,
                started_at=build.started_at or (now if status != "queued" else None),
            )
            self.history[i] = updated
            self.view.update_history_row(updated)
            return

    def _show_phase(self, event: PhaseChanged) -> None:
        self.phases.set_phase(event.phase)
        self.view.show_chips(self.phases.chips())
        self._show_title(f"Build #{event.build_id} — {event.phase}")

    def on_step(self, event: StepProgress) -> None:
        if self._follows(event):
            self._show_step(event)

    def _show_step(self, event: StepProgress) -> None:
        self.step = (event.step, max(event.total, 1), fmt.step_text(event.step, event.total, event.instruction))
        self.view.show_steps(*self.step)

    def on_metric(self, event: MetricSample) -> None:
        if self._follows(event):
            self._show_metric(event)

    def _show_metric(self, event: MetricSample) -> None:
        self.samples.append(event)
        if self._t0 is None:
            self._t0 = event.ts
        xs = [s.ts - self._t0 for s in self.samples]
        cpu = [s.cpu_percent for s in self.samples]
        mem = [s.memory_bytes / 1_048_576 for s in self.samples]
        self.view.show_samples(xs, cpu, mem)

    def on_finished(self, event: BuildFinished) -> None:
        if self._follows(event):
            self._show_finished(event)
        self.refresh_history()

    def _show_finished(self, event: BuildFinished) -> None:
        self.phases.set_phase(event.status)
        self.view.show_chips(self.phases.chips())
        if event.status == "completed":
            _value, maximum, text = self.step
            self.step = (maximum, maximum, text)  # the bar full, its last step still named
            self.view.show_steps(*self.step)
        reuse = event.result.get("reuse") if isinstance(event.result, dict) else None
        if isinstance(reuse, str):
            self.reuse = reuse
        self._show_title(fmt.title(event.build_id, event.status, error=event.error))

    # ---------------------------------------------------------------- history, log file
    def _history_loaded(self, slug: str | None, builds: list[BuildRecord], select: int | None) -> None:
        if slug != self.slug:
            return
        self.history = builds
        self.view.show_history(builds, select)

    def save_log(self, build_id: int, path: Path) -> None:
        (
            build_ops.save_log(self._services, build_id, path)
            .success(lambda n: self.view.show_message("info", f"Saved {n} lines of build #{build_id} to {path}."))
            .failure(lambda exc: self.view.show_message("error", f"Cannot save the log to {path}: {exc}"))
            .run_in_background(self._runner)
        )
