"""Prometheus metrics of the builds this server's App sees: the original architecture's
``builds_total{status}``, ``build_duration_seconds`` and ``active_builds``.

Why from the event bus: every runner (in-process threads, or the team farm relaying its
workers' events) publishes the same events on ``app.bus``, so counting them here works over
whichever runner the App chose, without reaching below the app layer. A build counts as
active from its first running phase to its ``BuildFinished``; its duration is that span.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from pixel_desktop.events import BuildFinished, Event, EventBus, PhaseChanged
from pixel_desktop.kinds import RUNNING_BUILD_STATUSES

# Small demo builds take seconds, real ones minutes; the top buckets follow the build timeout.
DURATION_BUCKETS_S = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class BuildMetrics:
    """Counters fed by ``app.bus``; ``render()`` is the /metrics body."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.builds_total = Counter(
            "builds",
            "Builds that ended, by final status.",
            ["status"],
            registry=self.registry,
        )
        self.build_duration_seconds = Histogram(
            "build_duration_seconds",
            "Seconds from a build's first running phase to its end.",
            buckets=DURATION_BUCKETS_S,
            registry=self.registry,
        )
        self.active_builds = Gauge(
            "active_builds", "Builds running now (queued ones excluded).", registry=self.registry
        )
        self._lock = threading.Lock()
        self._started: dict[int, float] = {}  # build id -> ts of its first running phase
        self._unsubscribe: Callable[[], None] | None = None

    def attach(self, bus: EventBus) -> None:
        self._unsubscribe = bus.subscribe(self.observe)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def observe(self, event: Event) -> None:
        if isinstance(event, PhaseChanged) and event.phase in RUNNING_BUILD_STATUSES:
            with self._lock:
                if event.build_id in self._started:
                    return
                self._started[event.build_id] = event.ts
            self.active_builds.inc()
        elif isinstance(event, BuildFinished):
            with self._lock:
                started = self._started.pop(event.build_id, None)
            self.builds_total.labels(status=event.status).inc()
            if started is not None:
                self.active_builds.dec()
                self.build_duration_seconds.observe(max(0.0, event.ts - started))

    def render(self) -> bytes:
        return generate_latest(self.registry)
