"""The Evaluate tab's state and decisions, without widgets.

The same use case as ``pixel eval`` (``pixel_desktop.app.eval`` through the named operations
of ``gui/operations/eval.py``): the CSV is checked against the chosen build as soon as either
changes, and Run is live only once that check passed; the run re-reads the file, so a file
edited in a spreadsheet meanwhile is what gets asked. Cancel sets the event the runner checks
between questions; the runner removes the container before it reports back.

Answers come back late and out of order (a slow check for the previous file, a build list
for the previous project): each carries what it was asked for and is applied only while that
is still what the tab shows. These rules run here against fakes
(tests/unit/gui_controllers/test_eval_controller.py); ``eval_tab.EvalTab`` only draws what
:class:`EvalView` is told.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pixel_desktop.errors import CancelledError
from pixel_desktop.gui import eval_format as fmt
from pixel_desktop.gui.eval_format import BuildChoice, Summary
from pixel_desktop.gui.messages import user_message
from pixel_desktop.gui.operations import Latest, Runner
from pixel_desktop.gui.operations import eval as eval_ops

if TYPE_CHECKING:
    from pixel_desktop.app.eval import CaseResult, EvalPlan, EvalProgress, EvalReport
    from pixel_desktop.app.records import BuildRecord
    from pixel_desktop.gui.services import Services


@dataclass(frozen=True, slots=True)
class Buttons:
    """Which controls are live: nothing but Cancel while a run is in flight."""

    run: bool
    cancel: bool
    load: bool
    build_picker: bool


@dataclass(frozen=True, slots=True)
class Progress:
    """The progress bar: questions asked of all, and whether its "n / m" text shows."""

    value: int
    maximum: int
    text_visible: bool


IDLE = Progress(0, 1, False)


class EvalView(Protocol):
    """What the controller asks of the tab's widgets (``EvalTab`` implements it)."""

    def show_builds(self, choices: Sequence[BuildChoice], selected: int | None) -> None: ...
    def show_csv(self, path: Path) -> None: ...
    def show_status(self, text: str, tone: str) -> None: ...  # tone: "" | "ok" | "bad"
    def show_progress(self, progress: Progress) -> None: ...
    def show_report(
        self, summary: Summary, misses: Sequence[CaseResult], before: Mapping[int, CaseResult] | None
    ) -> None: ...  # before: the earlier run's result per CSV line, when compared (else None)
    def show_buttons(self, buttons: Buttons) -> None: ...
    def message(self, level: str, text: str) -> None: ...  # the window's banner

    def on_gui_thread(self, fn: Callable[[], None]) -> None:
        """Called on the run's worker thread: run ``fn`` on the GUI thread (queued)."""
        ...


class EvalController:
    """State of the Evaluate tab and what each input (click, answer, progress) does to it."""

    def __init__(self, services: Services, runner: Runner, view: EvalView) -> None:
        self._services = services
        self._runner = runner
        self._view = view
        self.slug: str | None = None
        self.csv_path: Path | None = None
        self.builds: list[BuildRecord] = []
        self.build_id: int | None = None  # the build chosen in the picker
        self.plan: EvalPlan | None = None  # of the last check that passed for what is chosen
        self.report: EvalReport | None = None  # of the last finished run
        self.running = False
        self.checking = 0  # checks in flight
        self.loading = 0  # build list loads in flight
        self.builds_loaded = False
        self.generation = 0  # bumps on project change: late answers for the old one are dropped
        self.progress = IDLE
        self._cancel: threading.Event | None = None
        self._builds_request = Latest()  # only the newest build list load is applied
        self._runs = Latest()  # progress of an older (cancelled) run is not shown
        self._run_csv: Path | None = None  # the file of the run in flight
        # Per (project, CSV file): the last report, and the last one of another build than it
        # (what a re-run of the same build is still compared with).
        self._last_runs: dict[tuple[str, str], EvalReport] = {}
        self._baselines: dict[tuple[str, str], EvalReport] = {}

    # ---------------------------------------------------------------- decisions
    def buttons(self) -> Buttons:
        idle = not self.running
        return Buttons(
            run=self.plan is not None and idle and self.checking == 0,
            cancel=self.running and not self.cancel_requested,
            load=idle,
            build_picker=idle,
        )

    @property
    def cancel_requested(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def ready(self) -> bool:
        """Nothing loading, checking or running (the screenshot mode and tests wait for it)."""
        return self.builds_loaded and self.loading == 0 and not self.running and self.checking == 0

    def _update_buttons(self) -> None:
        self._view.show_buttons(self.buttons())

    def _status(self, text: str, tone: str = "") -> None:
        self._view.show_status(text, tone)

    def _progress(self, progress: Progress) -> None:
        self.progress = progress
        self._view.show_progress(progress)

    def _show_report(self, report: EvalReport | None, baseline: EvalReport | None = None) -> None:
        if report is None:
            self._view.show_report(fmt.summary(None), [], None)
            return
        if baseline is None:
            self._view.show_report(fmt.summary(report), report.wrong, None)
            return
        from pixel_desktop.app.eval import EvalComparison

        comparison = EvalComparison(report, baseline)
        before = {now.line: was for now, was in comparison.pairs()}  # same line and question only
        self._view.show_report(fmt.summary(report, comparison), report.wrong, before)

    # ---------------------------------------------------------------- project / builds
    def start(self) -> None:
        """The view is built: draw the empty tab."""
        self._show_report(None)
        self._status(fmt.INTRO)
        self._progress(IDLE)
        self._update_buttons()

    def set_project(self, slug: str | None) -> None:
        if slug == self.slug:
            return
        if self.running:
            self.cancel()  # its result belongs to the old project; the runner removes the container
        self.slug = slug
        self.generation += 1
        self.plan = None
        self.report = None
        self.running = False
        self._cancel = None
        self._show_report(None)
        self._status(fmt.INTRO)
        self._progress(IDLE)
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        """Reload the builds that have an image (off-thread); keep the chosen one if still there."""
        token = self._builds_request.next()
        slug = self.slug
        if slug is None:
            self._builds_loaded(token, [])
            return
        self.loading += 1

        def failed(exc: BaseException) -> None:
            self.loading -= 1
            if self._builds_request.is_current(token):
                self._status(fmt.cannot_load_builds(user_message(exc)[1]), "bad")

        def done(builds: list[BuildRecord]) -> None:
            self.loading -= 1
            self._builds_loaded(token, builds)

        eval_ops.eval_builds(self._services, slug).success(done).failure(failed).run_in_background(self._runner)

    def _builds_loaded(self, token: int, builds: list[BuildRecord]) -> None:
        if not self._builds_request.is_current(token):  # an older load (or another project's) answered late
            return
        self.builds = builds
        ids = [b.id for b in builds]
        if self.build_id not in ids:
            self.build_id = fmt.latest_completed(builds)
            if self.build_id is None and ids:
                self.build_id = ids[0]
        self._view.show_builds(fmt.build_choices(builds), self.build_id)
        self.builds_loaded = True
        self.check()

    def choose_build(self, build_id: int | None) -> None:
        """The user picked another build: its FAQ is what the CSV is checked against."""
        if self.running or build_id == self.build_id:
            return
        self.build_id = build_id
        self.check()

    # ---------------------------------------------------------------- CSV
    def load_csv(self, path: Path) -> None:
        self.csv_path = path
        self._view.show_csv(path)
        self.check()

    def check(self) -> None:
        """Check the CSV against the chosen build (no Docker): Run is enabled only when it passes."""
        self.plan = None
        if self.running or self.csv_path is None or self.slug is None:
            self._update_buttons()
            return
        build_id = self.build_id
        if build_id is None:
            self._status(fmt.NO_BUILD_STATUS, "bad")
            self._update_buttons()
            return
        slug, path, generation = self.slug, self.csv_path, self.generation
        self.checking += 1
        self._status(fmt.checking(path.name, build_id))
        self._update_buttons()

        def done(plan: EvalPlan) -> None:
            self.checking -= 1
            if generation == self.generation and self.build_id == build_id and self.csv_path == path:
                self.plan = plan
                self._status(fmt.checked(plan, build_id), "ok")
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.checking -= 1
            if generation == self.generation and self.build_id == build_id and self.csv_path == path:
                self._status(user_message(exc)[1], "bad")
            self._update_buttons()

        eval_ops.prepare_eval(self._services, slug, path, build_id).success(done).failure(failed).run_in_background(
            self._runner
        )

    # ---------------------------------------------------------------- run / cancel
    def run(self) -> None:
        plan = self.plan
        if plan is None or self.running or self.slug is None or self.csv_path is None:
            return
        slug, path, build_id, generation = self.slug, self.csv_path, self.build_id, self.generation
        run = self._runs.next()

        def progressed(event: EvalProgress) -> None:  # on the worker thread
            self._view.on_gui_thread(lambda: self.on_progress(event) if self._runs.is_current(run) else None)

        cancel = threading.Event()
        self._cancel = cancel
        self._run_csv = path
        self.running = True
        self.report = None
        self._show_report(None)
        self._progress(Progress(0, max(plan.total, 1), True))
        self._status(fmt.starting(build_id))
        self._update_buttons()
        eval_ops.evaluate(
            self._services, slug, path, build_id, cancel=cancel, on_progress=progressed
        ).success(lambda report: self._finished(generation, report)).failure(
            lambda exc: self._failed(generation, exc)
        ).run_in_background(self._runner)

    def cancel(self) -> None:
        if self._cancel is not None and self.running:
            self._cancel.set()
            self._status(fmt.CANCELLING)
            self._update_buttons()

    def shutdown(self) -> None:
        """Window closing: stop a running evaluation so its container is removed."""
        if self._cancel is not None:
            self._cancel.set()

    def on_progress(self, event: EvalProgress) -> None:
        """A stage or a question done of the current run (on the GUI thread)."""
        if not self.running:
            return
        self._progress(Progress(event.done, max(event.total, 1), True))
        if not self.cancel_requested:
            self._status(f"{event.stage}…")

    def _finished(self, generation: int, report: EvalReport) -> None:
        if generation != self.generation:
            return
        self.running = False
        self._cancel = None
        self.report = report
        self._progress(Progress(self.progress.maximum, self.progress.maximum, True))
        self._status(fmt.finished(report), "" if report.wrong else "ok")
        # Compared with the last run of the same file on another build of this project: the
        # fix-build-run loop shows what each change fixed and broke without a second run.
        key = (report.project_slug, str(self._run_csv))
        earlier = self._last_runs.get(key)
        if earlier is not None and earlier.build_id != report.build_id:
            self._baselines[key] = earlier
        self._last_runs[key] = report
        baseline = self._baselines.get(key)
        self._show_report(report, baseline if baseline is not None and baseline.build_id != report.build_id else None)
        self._update_buttons()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self.running = False
        self._cancel = None
        self._progress(Progress(0, self.progress.maximum, self.progress.text_visible))
        if isinstance(exc, CancelledError):
            self._status(fmt.CANCELLED)
        else:
            text = user_message(exc)[1]
            self._status(text, "bad")
            self._view.message("error", fmt.failed_banner(text))
        self._update_buttons()
