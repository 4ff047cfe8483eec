"""Deploy progress events, published on the engine's EventBus and/or given to a callback.

Plain frozen dataclasses like the build events, so the GUI bridge can forward them as Qt
signals and the CLI can print them; ``deployment_id`` is 0 before the record exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

STAGES = (
    "preparing",
    "connecting",
    "transferring",
    "starting",
    "health",
    "finishing",
    "rolling_back",
)


@dataclass(frozen=True, slots=True)
class DeployProgress:
    deployment_id: int
    stage: str  # one of STAGES
    message: str
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class DeployFinished:
    deployment_id: int
    status: str  # healthy | failed | rolled_back
    url: str | None
    error: str | None
    ts: float = field(default_factory=time.time)


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
