"""What the client returns: frozen values, one type per daemon fact whichever caller asked.

Why not docker-py's dicts: callers (build pipeline, eval, rollout strategies, check) and
their test fakes agree on these fields, and a field the daemon leaves out has one default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DaemonInfo:
    version: str
    api_version: str
    os: str
    arch: str
    host: str


@dataclass(frozen=True, slots=True)
class ImageInfo:
    id: str
    size_bytes: int
    tags: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)  # the whole inspect answer

    def repo_digest(self, repo: str | None = None) -> str | None:
        """The ``sha256:...`` registry digest of the image (for ``repo`` when given)."""
        for d in self.config.get("RepoDigests") or []:
            name, _, digest = str(d).partition("@")
            if repo is None or name == repo:
                return digest or None
        return None


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    id: str
    name: str
    state: str  # created | running | exited | ...
    image: str
    labels: dict[str, str] = field(default_factory=dict)
    command: str = ""


@dataclass(frozen=True, slots=True)
class ContainerState:
    status: str  # created | running | paused | restarting | exited | dead | missing
    exit_code: int
    health: str | None  # starting | healthy | unhealthy | None (no HEALTHCHECK)
    error: str

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused", "restarting")


@dataclass(frozen=True, slots=True)
class Workload:
    """What a deploy runs, as one container or as a Swarm service's tasks: the image, the
    container port it listens on (published on the same host port), its env and labels, and
    the host interface a single container publishes on (None: every interface; Swarm's
    ingress always publishes on every node's interfaces)."""

    name: str
    image: str
    port: int
    env: dict[str, str]
    labels: dict[str, str]
    bind_address: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    id: str
    version: int
    update_state: str | None  # updating | completed | rollback_started | rollback_completed | ...
    update_message: str
    running_tasks: int
    desired_replicas: int
    image: str


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    image_id: str
    steps_total: int
    cached_steps: int
    layer_steps: tuple[str, ...] = ()  # instruction of every step, in order
    cached_instructions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PushOutcome:
    digest: str
    size: int | None
