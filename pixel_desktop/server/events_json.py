"""Job events as JSON objects for WebSocket clients: ``{"type": ..., <the event's fields>}``.

Why a fixed type name per event class: clients switch on ``type``; the Python class names
may change, these strings may not.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pixel_desktop.events import (
    BuildFinished,
    DeployFinished,
    DeployProgress,
    Event,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)

EVENT_TYPES: dict[type, str] = {
    LogLine: "log",
    PhaseChanged: "phase",
    StepProgress: "step",
    MetricSample: "metric",
    BuildFinished: "finished",
    DeployProgress: "deploy_progress",
    DeployFinished: "deploy_finished",
}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def event_json(event: Event) -> dict[str, Any]:
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    return {"type": EVENT_TYPES.get(type(event), type(event).__name__), **_plain(fields)}
