"""Deploy events. Progress and finish are job events and live with the others in
``pixel_desktop/events.py`` (one Event type, each carrying its job); re-exported here for the
deploy package's users. ``DeploySample`` is a chart reading, not a job event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pixel_desktop.events import DeployFinished, DeployProgress
from pixel_desktop.kinds import DEPLOY_STAGES

STAGES = DEPLOY_STAGES

__all__ = ["STAGES", "DeployFinished", "DeployProgress", "DeploySample"]


@dataclass(frozen=True, slots=True)
class DeploySample:
    """One live sample of a deployed container (GUI chart): CPU, memory, health latency."""

    project_slug: str
    target_name: str
    cpu_percent: float
    memory_bytes: int
    memory_limit_bytes: int
    health_latency_ms: float | None  # None when /health did not answer
    healthy: bool
    ts: float = field(default_factory=time.time)
