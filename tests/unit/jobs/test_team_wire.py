"""Build events cross Redis as JSON and come back as the same event types and job refs;
deploy events stay local; a malformed message is dropped, not raised."""

from __future__ import annotations

from pixel_desktop.events import (
    BuildFinished,
    DeployProgress,
    JobRef,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)
from pixel_desktop.jobs.team.wire import decode, encode


def test_every_build_event_round_trips_with_its_type_and_job() -> None:
    events = [
        LogLine(7, "hello", "docker"),
        PhaseChanged(7, "building"),
        StepProgress(7, 3, 9, "RUN pip install"),
        MetricSample(7, 12.5, 1024, 2048),
        BuildFinished(7, "completed", None, {"image": "pixel/a/b:b7", "phases": {"building": 1.5}}),
    ]
    for event in events:
        text = encode(event)
        assert text is not None
        back = decode(text)
        assert back == event
        assert back.job == JobRef("build", 7)


def test_deploy_events_do_not_travel() -> None:
    assert encode(DeployProgress(3, "pulling", "pulling image")) is None


def test_a_malformed_message_is_dropped() -> None:
    assert decode(b"not json") is None
    assert decode('{"type": "Nope"}') is None
    assert decode('{"type": "LogLine", "unknown": 1}') is None
