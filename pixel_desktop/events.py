"""Plain events the engine emits, and a thread-safe bus to deliver them.

The engine never knows who listens: the CLI printer, the GUI bridge (which re-emits them
as Qt signals on the main thread) and the log writer all subscribe the same way.
Callbacks run on the publishing (worker) thread, so subscribers must be quick and
thread-safe; a subscriber that raises is logged and never breaks the build.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

PHASES = ("queued", "generating", "building", "testing", "pushing")
TERMINAL = ("completed", "failed", "cancelled", "interrupted")


@dataclass(frozen=True, slots=True)
class LogLine:
    build_id: int
    text: str
    source: str = "build"  # build | docker | test | push | engine
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    build_id: int
    phase: str  # one of PHASES or TERMINAL
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class StepProgress:
    build_id: int
    step: int
    total: int
    instruction: str = ""
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class MetricSample:
    build_id: int
    cpu_percent: float
    memory_bytes: int
    memory_limit_bytes: int = 0
    source: str = "test-container"
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class BuildFinished:
    build_id: int
    status: str  # completed | failed | cancelled | interrupted
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


Event = LogLine | PhaseChanged | StepProgress | MetricSample | BuildFinished
Subscriber = Callable[[Event], None]


class EventBus:
    """Fan-out of events to subscribers; safe to publish from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for callback in self._subscribers:  # snapshot: tuple swap is atomic
            try:
                callback(event)
            except Exception:  # a broken listener must not fail the build
                log.exception("event subscriber %r failed", callback)
