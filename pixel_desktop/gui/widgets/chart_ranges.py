"""Axis ranges that read sensibly: a minimum span per unit and round tick boundaries.

Why: pyqtgraph fits the axis to the data, so two image sizes 30 bytes apart (215.90434 and
215.90437 MB) filled the whole chart height and looked like a jump. A chart's y axis
is instead at least ``min_span`` units tall (a sensible minimum per unit below) and
ends on "nice" numbers. Pure arithmetic, unit-tested without Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# The smallest y span worth drawing, per unit: differences below these are noise on screen.
MIN_SPAN = {
    "MB": 10.0,  # image size
    "MiB": 16.0,  # container memory
    "%": 10.0,  # CPU
    "s": 5.0,  # phase durations
    "ms": 50.0,  # latency
    "req/s": 5.0,
}
DEFAULT_MIN_SPAN = 1.0


def min_span_for(unit: str) -> float:
    return MIN_SPAN.get(unit, DEFAULT_MIN_SPAN)


def nice_step(raw: float) -> float:
    """The 1-2-5 × 10ⁿ step at or above ``raw``."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw - 1e-12:
            return factor * power
    return 10 * power


def nice_range(
    values: Sequence[float], min_span: float, *, from_zero: bool = False, ticks: int = 5
) -> tuple[float, float]:
    """(low, high) covering ``values``, at least ``min_span`` tall, on multiples of a nice step.

    ``from_zero``: the axis starts at zero (bars, CPU, memory); otherwise a small span is
    centred on the data, never going below zero for non-negative data.
    """
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    if from_zero:
        low = min(low, 0.0)
        high = max(high * 1.1, low + min_span)
    elif high - low < min_span:
        middle = (low + high) / 2
        low, high = middle - min_span / 2, middle + min_span / 2
        if low < 0 <= min(finite, default=0.0):
            low, high = 0.0, min_span
    else:
        pad = (high - low) * 0.1
        low, high = low - pad, high + pad
        if low < 0 <= min(finite):
            low = 0.0
    step = nice_step((high - low) / ticks)
    return float(math.floor(low / step + 1e-9) * step), float(math.ceil(high / step - 1e-9) * step)
