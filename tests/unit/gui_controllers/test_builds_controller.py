"""The Builds tab's decisions without widgets or Docker: followed build, early events, phases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gui_controller_fakes import DeferredRunner, SyncRunner

from pixel_desktop.events import (
    BuildFinished,
    EventBus,
    JobRef,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)
from pixel_desktop.gui import builds_format as fmt
from pixel_desktop.gui.builds_controller import BuildsController, PhaseTrack


@dataclass
class Build:
    id: int
    status: str
    phases: dict[str, float] = field(default_factory=dict)
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    image_name: str | None = None
    error_message: str | None = None


class FakeServices:
    def __init__(self, builds: list[Build], logs: dict[int, list[str]] | None = None) -> None:
        self.builds = builds
        self.logs = logs or {}

    def list_builds(self, slug: str | None, limit: int = 100) -> list[Build]:
        return self.builds[:limit]

    def get_build(self, build_id: int) -> Build:
        return next(b for b in self.builds if b.id == build_id)

    def read_log(self, build_id: int, tail: int | None = None) -> list[str]:
        lines = self.logs.get(build_id, [])
        return lines[-tail:] if tail else lines


class RecordingView:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.skipped = 0
        self.title = ""
        self.chips: list = []
        self.steps = (0, 1, "")
        self.samples: tuple = ()
        self.history: list = []
        self.messages: list[tuple[str, str]] = []

    def clear_live(self) -> None:
        self.log, self.skipped, self.samples = [], 0, ()

    def show_title(self, text: str) -> None:
        self.title = text

    def show_chips(self, chips) -> None:
        self.chips = list(chips)

    def show_steps(self, value: int, maximum: int, text: str) -> None:
        self.steps = (value, maximum, text)

    def append_log(self, lines: list[str], skipped: int) -> None:
        self.log.extend(lines)
        self.skipped += skipped

    def show_samples(self, xs, cpu, mem_mib) -> None:
        self.samples = (xs, cpu, mem_mib)

    def show_history(self, builds, select) -> None:
        self.history = list(builds)

    def update_history_row(self, build) -> None:
        self.history = [build if b.id == build.id else b for b in self.history]

    def show_message(self, level: str, text: str) -> None:
        self.messages.append((level, text))


def _controller(services: FakeServices, runner=None) -> tuple[BuildsController, RecordingView]:
    view = RecordingView()
    return BuildsController(services, runner or SyncRunner(), view), view  # type: ignore[arg-type]


def _bus_controller(services: FakeServices) -> tuple[BuildsController, RecordingView, EventBus, list]:
    """A controller fed like the window feeds it: one bus subscription (the bridge's) whose
    events the test hands over when it chooses, plus the bus's job history for replays."""
    bus = EventBus()
    delivered: list = []
    bus.subscribe(delivered.append)
    view = RecordingView()
    controller = BuildsController(
        services, SyncRunner(), view, job_history=lambda build_id: bus.history(JobRef("build", build_id))  # type: ignore[arg-type]
    )
    return controller, view, bus, delivered


def _hand_over(controller: BuildsController, events: list) -> None:
    """What the bridge does: log lines in a batch, the others one by one."""
    controller.on_log_batch([e for e in events if isinstance(e, LogLine)], 0)
    for event in events:
        if isinstance(event, PhaseChanged):
            controller.on_phase(event)
        elif isinstance(event, BuildFinished):
            controller.on_finished(event)
    events.clear()


def test_the_first_log_line_published_before_the_submit_answer_is_in_the_live_view() -> None:
    controller, view, bus, delivered = _bus_controller(FakeServices([]))
    controller.show_build(3, live=True)  # an earlier build is shown while the new one is queued
    # The runner publishes these on its thread before the GUI learns the new build's id;
    # the bridge hands the first ones over while build 3 is still followed.
    bus.publish(PhaseChanged(7, "queued"))
    bus.publish(LogLine(7, "queued build 7 of acme-support-bot", "engine"))
    _hand_over(controller, delivered)
    bus.publish(PhaseChanged(7, "generating"))
    bus.publish(LogLine(7, "rendering 12 files"))  # still in the bridge when the answer comes
    assert view.log == []

    controller.show_build(7, live=True)  # the submit answer arrives
    _hand_over(controller, delivered)
    bus.publish(LogLine(7, "docker step 1"))
    _hand_over(controller, delivered)

    assert view.log == ["queued build 7 of acme-support-bot", "rendering 12 files", "docker step 1"]
    assert controller.phases.current == "generating"
    assert controller.phases.seen == {"queued", "generating"}
    assert view.title == "Build #7 — generating"


def test_a_build_that_finished_before_it_was_followed_shows_its_result() -> None:
    controller, view, bus, delivered = _bus_controller(FakeServices([]))
    bus.publish(PhaseChanged(9, "queued"))
    bus.publish(LogLine(9, "queued build 9 of acme"))
    bus.publish(BuildFinished(9, "failed", "Base image missing"))
    _hand_over(controller, delivered)
    controller.show_build(9, live=True)
    assert view.log == ["queued build 9 of acme"]
    assert controller.phases.current == "failed"
    assert view.title == "Build #9 — failed — Base image missing"


def test_events_of_other_builds_do_not_reach_the_followed_view() -> None:
    controller, view = _controller(FakeServices([]))
    controller.show_build(5, live=True)
    controller.on_log_batch([LogLine(6, "other"), LogLine(5, "mine")], 0)
    controller.on_step(StepProgress(6, 2, 9, "RUN pip install"))
    controller.on_metric(MetricSample(6, 50.0, 10_000_000))
    assert view.log == ["mine"]
    assert view.steps == (0, 1, "Docker steps")
    assert controller.samples == []


def test_steps_samples_and_completion_are_what_the_view_shows() -> None:
    controller, view = _controller(FakeServices([]))
    controller.show_build(5, live=True)
    controller.on_step(StepProgress(5, 3, 8, "RUN " + "x" * 80))
    assert view.steps[:2] == (3, 8) and view.steps[2].endswith("…") and len(view.steps[2]) < 80
    controller.on_metric(MetricSample(5, 10.0, 2 * 1_048_576, ts=100.0))
    controller.on_metric(MetricSample(5, 30.0, 4 * 1_048_576, ts=102.5))
    assert view.samples == ([0.0, 2.5], [10.0, 30.0], [2.0, 4.0])
    controller.on_finished(BuildFinished(5, "completed"))
    assert view.steps[:2] == (8, 8)
    assert view.steps[2].startswith("Docker step 3/8  RUN")  # the last step stays named
    assert controller.phases.current == "completed"
    assert [c.kind for c in controller.phases.chips()][-1] == "result"


def test_a_running_build_chosen_in_the_history_shows_its_stored_log_once() -> None:
    services = FakeServices([Build(4, "building")], {4: ["queued build 4 of acme", "step 1"]})
    controller, view = _controller(services)
    bus = EventBus()
    bus.publish(LogLine(4, "queued build 4 of acme"))
    bus.publish(LogLine(4, "step 1"))
    view = RecordingView()
    controller = BuildsController(services, SyncRunner(), view, job_history=lambda i: bus.history(JobRef("build", i)))  # type: ignore[arg-type]
    controller.set_project("acme")
    controller.history_selected(4)
    assert view.log == ["queued build 4 of acme", "step 1"]  # from the store, not twice


def test_a_slow_past_log_answer_does_not_overwrite_the_build_chosen_after_it() -> None:
    services = FakeServices([Build(1, "failed"), Build(2, "completed")], {1: ["old log"], 2: ["new log"]})
    runner = DeferredRunner()
    controller, view = _controller(services, runner)
    controller.show_build(1)
    controller.show_build(2)
    runner.finish(1)
    runner.finish(0)  # build 1's answer arrives last
    assert view.log == ["new log"]
    assert view.title.startswith("Build #2 — completed")


def test_phase_chips_mark_passed_phases_and_grey_the_skipped_ones() -> None:
    track = PhaseTrack()
    for phase in ("queued", "generating", "building", "testing"):
        track.set_phase(phase)
    assert {c.key: c.kind for c in track.chips()} == {
        "queued": "passed", "generating": "passed", "building": "passed",
        "testing": "current", "pushing": "pending", "done": "pending",
    }
    track.set_phase("completed")
    chips = {c.key: c for c in track.chips()}
    assert chips["pushing"].kind == "pending"  # never pushed
    assert chips["done"].kind == "result" and chips["done"].text == "Completed"


def test_durations_and_sizes_read_the_same_everywhere() -> None:
    assert fmt.seconds(42.04) == "42.0 s"
    assert fmt.seconds(192) == "3.2 min"
    assert fmt.seconds(None) == ""
    assert fmt.size(123_456_789) == "123.5 MB"
    assert fmt.size(None) == ""
    assert fmt.phases({"building": 12.0, "testing": 130.0}) == "building 12.0 s, testing 2.2 min"
    assert fmt.title(3, "failed", image="acme:3", error="boom") == "Build #3 — failed — acme:3 — boom"
