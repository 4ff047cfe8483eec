"""Plain, frozen records the store hands out instead of ORM rows.

Why not ORM objects: the engine, CLI and GUI pass records across threads and keep them
after the session that loaded them is gone; a frozen dataclass cannot lazy-load, expire or
be mutated behind the store's back, and it keeps SQLAlchemy out of every other layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pixel_desktop.kinds import (  # the one definition, re-exported for the store's users
    BUILD_STATUSES,
    DEPLOYMENT_STATUSES,
    RUNNING_BUILD_STATUSES,
    TERMINAL_BUILD_STATUSES,
    TERMINAL_DEPLOYMENT_STATUSES,
    UNFINISHED_DEPLOYMENT_STATUSES,
)
from pixel_desktop.store.project_summary import ProjectSummary  # re-exported: its old home

if TYPE_CHECKING:  # the spec model (pydantic) loads when a record's spec is first read
    from pixel_desktop.spec.model import ProjectSpec

__all__ = [
    "BUILD_STATUSES",
    "DEPLOYMENT_STATUSES",
    "RUNNING_BUILD_STATUSES",
    "TERMINAL_BUILD_STATUSES",
    "TERMINAL_DEPLOYMENT_STATUSES",
    "UNFINISHED_DEPLOYMENT_STATUSES",
    "ArtifactRecord",
    "BuildRecord",
    "DeploymentRecord",
    "ProjectRecord",
    "ProjectSummary",
    "RegistryRecord",
    "TargetRecord",
]



@dataclass(frozen=True)
class ProjectRecord:
    """A stored project; ``spec`` is validated from its canonical JSON on first access.

    Lazily, because lists (the project tree, ``pixel projects list``) need only the names,
    and validating 10,000 full specs would make listing take seconds. The JSON was
    validated when it was written.
    """

    id: int
    slug: str
    name: str
    client: str
    template: str
    spec_json: str = field(repr=False)
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Keyring namespace of the project's secret env values (never its slug; see secrets.py).
    secrets_key: str = field(default="", repr=False)

    @cached_property
    def spec(self) -> ProjectSpec:
        from pixel_desktop.spec.yaml_io import spec_from_data

        return spec_from_data(json.loads(self.spec_json), source=f"stored project '{self.slug}'")


@dataclass(frozen=True)
class BuildRecord:
    id: int
    project_id: int
    project_slug: str
    status: str
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    image_name: str | None = None
    image_id: str | None = None
    size_bytes: int | None = None
    pushed_ref: str | None = None
    digest: str | None = None
    container_id: str | None = None
    deployment_url: str | None = None
    error_message: str | None = None
    phases: dict[str, float] = field(default_factory=dict)
    registry_name: str | None = None
    log_line_count: int = 0
    runner_host: str | None = None  # the machine (or team worker) that runs/ran it
    attempt: int = 1  # team mode: a build retried after its worker died counts up
    cancel_requested: bool = False


@dataclass(frozen=True)
class ArtifactRecord:
    id: int
    build_id: int
    path: str
    content: bytes
    role: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class RegistryRecord:
    id: int
    name: str
    url: str
    username: str | None
    insecure: bool


@dataclass(frozen=True)
class TargetRecord:
    id: int
    name: str
    docker_host: str
    kind: str
    publish_address: str | None = None  # None: the default bind (deploy/hosts.py)


@dataclass(frozen=True)
class DeploymentRecord:
    id: int
    project_id: int
    project_slug: str
    target_name: str
    build_id: int | None
    image_ref: str
    digest: str | None
    config_snapshot: dict[str, Any]
    status: str
    url: str | None
    error_message: str | None
    created_at: datetime
    completed_at: datetime | None
