"""The Evaluate tab's decisions, without widgets and without Docker.

A fake of the three eval services, a runner that answers at once or in the order a test
chooses, and a view that records what it was told. Proven here: Run is live only once the
CSV passed its check against the chosen build, a late check or build list never overwrites
a newer choice, a run freezes everything but Cancel, its report becomes the summary and the
misses, a cancelled or failed run says so, and a project switch cancels the old run and
drops its late result.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gui_controller_fakes import DeferredRunner, SyncRunner

from pixel_desktop.app.eval import CaseResult, EvalProgress, EvalReport
from pixel_desktop.errors import CancelledError, PixelError
from pixel_desktop.gui import eval_format as fmt
from pixel_desktop.gui.eval_controller import Buttons, EvalController, Progress
from pixel_desktop.gui.eval_format import BuildChoice, Column, Summary

CSV = Path("/tmp/questions.csv")
RESET = "How do I reset my password?"
PAY = "Which payment methods do you accept?"
WHEN = dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Build:
    id: int
    status: str = "completed"
    completed_at: dt.datetime | None = WHEN
    image_name: str | None = "pixel/acme:b1"


@dataclass(frozen=True)
class Knowledge:
    source: str = "build"


@dataclass(frozen=True)
class Plan:
    total: int
    knowledge: Knowledge = field(default_factory=Knowledge)


def result(line: int, question: str, expected: str, got: str, score: float | None = 0.9, **kw: Any) -> CaseResult:
    return CaseResult(line, question, expected, got, score, latency_ms=10.0 * line, **kw)


REPORT = EvalReport(
    "acme",
    7,
    "pixel/acme:b7",
    "build",
    (
        result(2, "forgot it", RESET, RESET, 0.93),
        result(3, "cards?", PAY, RESET, 0.41, reply="answer"),
        result(4, "weather", "fallback", "fallback", None),
        result(5, "paypal\n ok?", PAY, "fallback", 0.27, suggested=PAY),
    ),
)


class FakeEval:
    """The eval services the operations call; each answer can be set or made to fail."""

    def __init__(self) -> None:
        self.builds: dict[str, list[Build]] = {"acme": [Build(8, "failed"), Build(7), Build(5)]}
        self.plan_for: Callable[[Path, int], Plan] = lambda _path, _build: Plan(4)
        self.run_with: Callable[[threading.Event, Callable[[EvalProgress], None]], EvalReport] = (
            lambda _cancel, _progress: REPORT
        )
        self.prepared: list[tuple[str, Path, int]] = []
        self.evaluated: list[tuple[str, Path, int | None]] = []
        self.cancel_events: list[threading.Event] = []

    def eval_builds(self, slug: str) -> list[Build]:
        return self.builds[slug]

    def prepare_eval(self, slug: str, csv_path: Path, build_id: int) -> Plan:
        self.prepared.append((slug, csv_path, build_id))
        return self.plan_for(csv_path, build_id)

    def evaluate(
        self,
        slug: str,
        csv_path: Path,
        build_id: int | None,
        *,
        cancel: threading.Event,
        on_progress: Callable[[EvalProgress], None],
    ) -> EvalReport:
        self.evaluated.append((slug, csv_path, build_id))
        self.cancel_events.append(cancel)
        return self.run_with(cancel, on_progress)


class RecordingView:
    def __init__(self) -> None:
        self.choices: list[BuildChoice] = []
        self.selected: int | None = None
        self.csv: Path | None = None
        self.status = ("", "")
        self.progress: Progress | None = None
        self.summary: Summary | None = None
        self.misses: list[CaseResult] = []
        self.before: Mapping[int, CaseResult] | None = None
        self.buttons: Buttons | None = None
        self.messages: list[tuple[str, str]] = []

    def show_builds(self, choices: Sequence[BuildChoice], selected: int | None) -> None:
        self.choices, self.selected = list(choices), selected

    def show_csv(self, path: Path) -> None:
        self.csv = path

    def show_status(self, text: str, tone: str) -> None:
        self.status = (text, tone)

    def show_progress(self, progress: Progress) -> None:
        self.progress = progress

    def show_report(
        self, summary: Summary, misses: Sequence[CaseResult], before: Mapping[int, CaseResult] | None
    ) -> None:
        self.summary, self.misses, self.before = summary, list(misses), before

    def show_buttons(self, buttons: Buttons) -> None:
        self.buttons = buttons

    def message(self, level: str, text: str) -> None:
        self.messages.append((level, text))

    def on_gui_thread(self, fn: Callable[[], None]) -> None:
        fn()  # the real view queues this to the GUI thread


def make(runner: Any = None, services: FakeEval | None = None) -> tuple[EvalController, FakeEval, RecordingView]:
    services = services or FakeEval()
    view = RecordingView()
    controller = EvalController(services, runner or SyncRunner(), view)  # type: ignore[arg-type]
    controller.start()
    return controller, services, view


@pytest.fixture
def checked() -> tuple[EvalController, FakeEval, RecordingView]:
    controller, services, view = make()
    controller.set_project("acme")
    controller.load_csv(CSV)
    return controller, services, view


def test_the_newest_completed_build_is_chosen_and_a_failed_test_build_is_listed_as_such() -> None:
    controller, _services, view = make()
    controller.set_project("acme")
    assert controller.build_id == 7 == view.selected
    assert [c.build_id for c in view.choices] == [8, 7, 5]
    assert view.choices[0].text.endswith(" · failed")
    assert view.choices[1].text.endswith("(latest)") and view.choices[1].tip == "pixel/acme:b1"
    assert controller.ready()
    assert view.status == (fmt.INTRO, "")


def test_run_is_possible_only_once_the_csv_passed_its_check_against_the_chosen_build(checked) -> None:
    controller, services, view = checked
    assert services.prepared == [("acme", CSV, 7)]
    assert view.csv == CSV
    assert view.status == (
        "4 questions; every expected answer is known to build #7 (checked against its FAQ). Press Run.",
        "ok",
    )
    assert view.buttons == Buttons(run=True, cancel=False, load=True, build_picker=True)

    services.plan_for = lambda _p, _b: (_ for _ in ()).throw(PixelError("line 3: expected 'Unknown entry' is not an FAQ entry"))
    controller.choose_build(5)
    assert services.prepared[-1] == ("acme", CSV, 5)
    assert view.status == ("line 3: expected 'Unknown entry' is not an FAQ entry", "bad")
    assert controller.plan is None and not view.buttons.run


def test_a_project_without_a_build_with_an_image_says_to_build_first() -> None:
    controller, services, view = make()
    services.builds["empty"] = []
    controller.set_project("empty")
    controller.load_csv(CSV)
    assert view.choices == [BuildChoice(fmt.NO_BUILD_CHOICE, None)]
    assert view.status == (fmt.NO_BUILD_STATUS, "bad")
    assert not view.buttons.run and services.prepared == []


def test_a_late_check_of_the_previous_file_never_overwrites_the_newer_one() -> None:
    runner = DeferredRunner()
    controller, services, view = make(runner)
    controller.set_project("acme")
    runner.finish(0)  # the build list
    older, newer = Path("/tmp/old.csv"), Path("/tmp/new.csv")
    services.plan_for = lambda path, _b: Plan(1 if path == older else 2)
    controller.load_csv(older)
    controller.load_csv(newer)
    assert view.status == ("Checking new.csv against build #7…", "")
    runner.finish(2)  # the newer check answers first
    assert not view.buttons.run  # the older check is still in flight
    runner.finish(1)
    assert controller.plan is not None and controller.plan.total == 2
    assert view.status[0].startswith("2 questions") and view.buttons.run


def test_reloading_the_builds_keeps_the_chosen_one_and_a_late_list_is_dropped() -> None:
    runner = DeferredRunner()
    controller, services, view = make(runner)
    controller.set_project("acme")
    runner.finish(0)
    controller.choose_build(5)
    controller.refresh()
    services.builds["acme"] = [Build(9), Build(5)]
    controller.refresh()
    runner.finish(2)  # the newest list first
    assert controller.build_id == 5 and view.selected == 5
    services.builds["acme"] = [Build(1)]
    runner.finish(1)  # the older list, late: ignored
    assert [c.build_id for c in view.choices] == [9, 5]


def test_a_run_freezes_everything_but_cancel_then_shows_the_summary_and_the_misses(checked) -> None:
    controller, services, view = checked
    seen: list[tuple[Buttons | None, Progress | None, str]] = []

    def run(_cancel: threading.Event, progress: Callable[[EvalProgress], None]) -> EvalReport:
        progress(EvalProgress("Asking the questions", 2, 4))
        seen.append((view.buttons, view.progress, view.status[0]))
        return REPORT

    services.run_with = run
    controller.run()
    assert seen == [
        (Buttons(run=False, cancel=True, load=False, build_picker=False), Progress(2, 4, True), "Asking the questions…")
    ]
    assert services.evaluated == [("acme", CSV, 7)]
    assert controller.report is REPORT and not controller.running
    assert view.summary == Summary("50.0%  (2/4)", "50.0%  (2/4)", "30.0 ms", "50.0 ms", "Wrong answers (2)")
    assert [m.line for m in view.misses] == [3, 5]
    assert view.progress == Progress(4, 4, True)
    assert view.status == ("Build #7: 4 questions asked; the container was removed.", "")
    assert view.buttons == Buttons(run=True, cancel=False, load=True, build_picker=True)


def test_a_run_of_the_same_file_on_another_build_says_what_the_change_fixed_and_broke(checked) -> None:
    controller, services, view = checked
    controller.run()  # build 7: REPORT
    assert view.summary.since == "" and view.before is None  # nothing to compare with yet
    newer = EvalReport("acme", 5, "pixel/acme:b5", "build", (
        result(2, "forgot it", RESET, PAY, 0.5),  # right on build 7: broken
        result(3, "cards?", PAY, PAY, 0.8),  # wrong on build 7: fixed
        result(4, "weather", "fallback", "fallback", None),
        result(5, "paypal\n ok?", PAY, "fallback", 0.27),
    ))
    services.run_with = lambda _cancel, _progress: newer
    controller.choose_build(5)
    controller.run()
    assert view.summary.since == (
        "Since build #7, the last run of this file: accuracy 50.0% → 50.0% (+0.0 points); "
        '1 newly wrong ("right" under Last run), 1 newly right.'
    )
    assert [m.line for m in view.misses] == [2, 5]
    assert view.before is not None
    assert [fmt.before_text(view.before.get(m.line)) for m in view.misses] == [
        "right", f"fallback (did you mean: {PAY})"
    ]
    controller.run()  # build 5 again: still compared with build 7, the last other build
    assert view.summary.since.startswith("Since build #7, ") and view.before is not None

    edited = EvalReport("acme", 7, "pixel/acme:b7", "build", (
        result(2, "a new question on line 2", RESET, PAY, 0.5),  # the CSV was edited
        *newer.results[1:],
    ))
    services.run_with = lambda _cancel, _progress: edited
    controller.choose_build(7)
    controller.run()  # compared with build 5, whose line 2 asked another question
    assert [m.line for m in view.misses] == [2, 5]
    assert view.before is not None and 2 not in view.before  # no "Last run" for a changed row
    assert fmt.before_text(view.before.get(2)) == "–"


def test_cancel_sets_the_runners_event_and_the_tab_says_the_container_was_removed() -> None:
    runner = DeferredRunner()
    controller, services, view = make(runner)
    controller.set_project("acme")
    controller.load_csv(CSV)
    runner.finish(0)
    runner.finish(1)
    controller.run()
    controller.cancel()
    assert view.status == (fmt.CANCELLING, "")
    assert view.buttons == Buttons(run=False, cancel=False, load=False, build_picker=False)
    services.run_with = lambda _c, _p: (_ for _ in ()).throw(CancelledError("cancelled"))
    runner.finish(2)
    assert services.cancel_events[0].is_set()
    assert view.status == (fmt.CANCELLED, "")
    assert controller.report is None and view.messages == []
    assert view.buttons.run


def test_a_failed_run_says_why_in_the_tab_and_one_line_in_the_banner(checked) -> None:
    controller, services, view = checked
    why = "The assistant exited before becoming healthy.\nIts log ends with: ERROR the data file is broken"
    services.run_with = lambda _c, _p: (_ for _ in ()).throw(PixelError(why))
    controller.run()
    assert view.status == (why, "bad")
    assert view.messages == [("error", "Evaluation failed: The assistant exited before becoming healthy.")]
    assert view.progress is not None and view.progress.value == 0
    assert not controller.running and view.buttons.run


def test_switching_project_during_a_run_cancels_it_and_drops_its_late_result() -> None:
    runner = DeferredRunner()
    controller, services, view = make(runner)
    controller.set_project("acme")
    controller.load_csv(CSV)
    runner.finish(0)
    runner.finish(1)
    controller.run()
    services.builds["other"] = []
    controller.set_project("other")
    runner.finish(3)  # the other project's (empty) build list
    runner.finish(2)  # the old run reports late
    assert services.cancel_events[0].is_set()  # set by the switch: nothing else sets it
    assert controller.report is None and view.summary == fmt.EMPTY_SUMMARY and view.misses == []
    assert view.status == (fmt.NO_BUILD_STATUS, "bad")
    assert not controller.running and controller.plan is None


def test_the_misses_read_as_the_user_acts_on_them() -> None:
    cards, paypal = REPORT.wrong
    assert [fmt.miss_text(paypal, c) for c in Column] == [
        "5", "paypal ok?", PAY, f"fallback (did you mean: {PAY})", "0.270", "–"  # Last run: none
    ]
    assert fmt.miss_tooltip(cards, Column.GOT) == "The assistant replied: answer"
    assert fmt.miss_tooltip(paypal, Column.QUESTION) == "paypal\n ok?"
    assert fmt.miss_text(result(9, "q", PAY, "fallback", None), Column.SCORE) == "–"
    assert fmt.summary(None) == fmt.EMPTY_SUMMARY
    assert fmt.summary(EvalReport("a", 1, "i", "build", (REPORT.results[0],))).misses_title == "No wrong answers"


def test_eval_and_files_controllers_and_formatting_import_without_qt() -> None:
    code = (
        "import sys\n"
        "import pixel_desktop.gui.eval_controller, pixel_desktop.gui.eval_format\n"
        "import pixel_desktop.gui.files_controller\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""


def test_progress_of_a_cancelled_run_never_moves_the_next_runs_bar() -> None:
    runner = DeferredRunner()
    controller, services, view = make(runner)
    controller.set_project("acme")
    controller.load_csv(CSV)
    runner.finish(0)
    runner.finish(1)
    old_progress: list[Callable[[EvalProgress], None]] = []

    def cancelled(_cancel: threading.Event, progress: Callable[[EvalProgress], None]) -> EvalReport:
        old_progress.append(progress)
        raise CancelledError("cancelled")

    services.run_with = cancelled
    controller.run()
    controller.cancel()
    runner.finish(2)
    controller.run()
    assert controller.running and view.progress == Progress(0, 4, True)
    old_progress[0](EvalProgress("Asking the questions", 3, 4))  # the old worker, late
    assert view.progress == Progress(0, 4, True) and view.status == ("Starting build #7…", "")
