"""What the Deploy tab's three live charts show: points and titles from the samples so far.

A pure function of the samples (no widgets), so the titles (newest value, memory limit, why
/health is not answering or why sampling failed) are tested without a window; the tab's
``LiveChart`` widgets only draw a ``Chart``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pixel_desktop.gui.operations.deploys import Sample

MAX_SAMPLES = 300  # 10 minutes at one sample per 2 s
CHART_WINDOW_S = 600.0  # the charts show the last 10 minutes


@dataclass(frozen=True, slots=True)
class Series:
    """One chart's points and title."""

    xs: list[float]
    ys: list[float]
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    """The three live charts; ``last_x`` is the newest sample's time (latency may lack it)."""

    cpu: Series
    memory: Series
    latency: Series
    last_x: float


def chart(samples: Sequence[Sample], t0: float | None, sample_error: str | None = None) -> Chart:
    """``t0``: the first sample's time (x = seconds since); ``sample_error``: why the last
    sample failed (a target that stops answering), said on the latency chart's title."""
    start = t0 or 0.0
    xs = [s.ts - start for s in samples]
    cpu = [s.cpu_percent for s in samples]
    mem = [s.memory_bytes / 1_048_576 for s in samples]
    lat_xs = [x for x, s in zip(xs, samples, strict=True) if s.health_latency_ms is not None]
    lat_ys = [float(s.health_latency_ms) for s in samples if s.health_latency_ms is not None]
    newest = samples[-1] if samples else None
    cpu_title = f"Container CPU: {cpu[-1]:.1f} %" if cpu else "Container CPU"
    mem_title = "Container memory"
    lat_title = "Health latency"
    if newest is not None:
        limit = f" of {newest.memory_limit_bytes / 1_073_741_824:.1f} GiB" if newest.memory_limit_bytes else ""
        mem_title = f"Container memory: {mem[-1]:.0f} MiB{limit}"
        if newest.healthy and newest.health_latency_ms is not None:
            lat_title = f"Health latency: {newest.health_latency_ms:.0f} ms"
        else:
            lat_title = "Health latency: /health is not answering"
    if sample_error is not None:
        lat_title = f"Health latency: {sample_error}"
    return Chart(
        cpu=Series(xs, cpu, cpu_title),
        memory=Series(xs, mem, mem_title),
        latency=Series(lat_xs, lat_ys, lat_title),
        last_x=xs[-1] if xs else 0.0,
    )
