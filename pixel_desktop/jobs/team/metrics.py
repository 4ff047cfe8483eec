"""A worker's Prometheus metrics: builds_total{status}, build_duration_seconds, active_builds.

Why prometheus_client here and not build/metrics.py's text renderer: a worker is scraped
like any service, and the seed's names are the ones dashboards expect. Its own registry,
so two workers in one test process never share counters.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from pixel_desktop.build.metrics import DURATION_BUCKETS_S


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.builds_total = Counter(
            "builds_total", "Builds ended, by status", ["status"], registry=self.registry
        )
        self.build_duration = Histogram(
            "build_duration_seconds",
            "Build duration",
            buckets=DURATION_BUCKETS_S,
            registry=self.registry,
        )
        self.active_builds = Gauge("active_builds", "Builds running", registry=self.registry)

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        start_http_server(port, addr=host, registry=self.registry)

    def started(self) -> None:
        self.active_builds.inc()

    def finished(self, status: str, duration_s: float | None) -> None:
        self.active_builds.dec()
        self.builds_total.labels(status=status).inc()
        if duration_s is not None:
            self.build_duration.observe(duration_s)
