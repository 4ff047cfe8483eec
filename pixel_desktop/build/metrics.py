"""Build counters from the seed's monitoring section, readable by the GUI and the CLI.

builds_total by status, a build-duration histogram and the number of active builds — kept
in memory by the engine (a snapshot is a plain dict) and renderable as Prometheus text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

DURATION_BUCKETS_S = (30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, float("inf"))


@dataclass
class BuildMetrics:
    builds_total: dict[str, int] = field(default_factory=dict)
    bucket_counts: list[int] = field(default_factory=lambda: [0] * len(DURATION_BUCKETS_S))
    duration_sum_s: float = 0.0
    duration_count: int = 0
    active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def started(self) -> None:
        with self._lock:
            self.active += 1

    def finished(self, status: str, duration_s: float | None, *, was_active: bool = True) -> None:
        with self._lock:
            if was_active:
                self.active = max(0, self.active - 1)
            self.builds_total[status] = self.builds_total.get(status, 0) + 1
            if duration_s is not None:
                self.duration_sum_s += duration_s
                self.duration_count += 1
                for i, bound in enumerate(DURATION_BUCKETS_S):
                    if duration_s <= bound:
                        self.bucket_counts[i] += 1  # cumulative, Prometheus style

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "builds_total": dict(self.builds_total),
                "build_duration_seconds": {
                    "buckets": {
                        ("+Inf" if b == float("inf") else f"{b:g}"): c
                        for b, c in zip(DURATION_BUCKETS_S, self.bucket_counts, strict=True)
                    },
                    "sum": round(self.duration_sum_s, 3),
                    "count": self.duration_count,
                },
                "active_builds": self.active,
            }

    def prometheus(self) -> str:
        snap = self.snapshot()
        lines = ["# TYPE pixel_builds_total counter"]
        for status, n in sorted(snap["builds_total"].items()):
            lines.append(f'pixel_builds_total{{status="{status}"}} {n}')
        lines.append("# TYPE pixel_build_duration_seconds histogram")
        hist = snap["build_duration_seconds"]
        for le, n in hist["buckets"].items():
            lines.append(f'pixel_build_duration_seconds_bucket{{le="{le}"}} {n}')
        lines.append(f"pixel_build_duration_seconds_sum {hist['sum']}")
        lines.append(f"pixel_build_duration_seconds_count {hist['count']}")
        lines.append("# TYPE pixel_active_builds gauge")
        lines.append(f"pixel_active_builds {snap['active_builds']}")
        return "\n".join(lines) + "\n"
