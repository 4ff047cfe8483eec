"""Status bar queue counts follow build events; the runner is asked once, nothing polls."""

from __future__ import annotations

from pixel_desktop.events import BuildFinished, PhaseChanged
from pixel_desktop.gui.queue_counts import QueueCounts


def test_counts_move_with_phase_and_finish_events() -> None:
    queue = QueueCounts()
    assert queue.on_event(PhaseChanged(1, "queued"))
    queue.on_event(PhaseChanged(2, "queued"))
    assert queue.counts() == {"queued": 2, "running": 0}
    queue.on_event(PhaseChanged(1, "generating"))
    assert queue.counts() == {"queued": 1, "running": 1}
    assert not queue.on_event(PhaseChanged(1, "building"))  # still running: nothing to redraw
    queue.on_event(PhaseChanged(1, "completed"))
    queue.on_event(BuildFinished(1, "completed"))
    queue.on_event(BuildFinished(2, "cancelled"))  # cancelled while queued
    assert queue.counts() == {"queued": 0, "running": 0}


def test_the_one_time_answer_does_not_count_event_tracked_builds_twice() -> None:
    queue = QueueCounts()
    queue.on_event(PhaseChanged(5, "queued"))
    queue.seed({"queued": 1, "running": 2})  # includes build 5, plus two builds without events here
    assert queue.counts() == {"queued": 1, "running": 2}
    queue.on_event(PhaseChanged(5, "building"))
    assert queue.counts() == {"queued": 0, "running": 3}
