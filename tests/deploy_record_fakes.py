"""A deployment record for GUI tests without a store: the fields the Deploy tab shows, with
defaults, shaped like ``store.records.DeploymentRecord`` (frozen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

WHEN = dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FakeDeployment:
    id: int
    status: str = "healthy"
    target_name: str = "local"
    project_slug: str = "acme"
    build_id: int | None = 1
    image_ref: str = "registry.example/pixel/acme:b1"
    digest: str | None = "sha256:" + "ab" * 32
    config_snapshot: dict[str, Any] = field(default_factory=dict)
    url: str | None = "http://127.0.0.1:8000"
    error_message: str | None = None
    created_at: dt.datetime = WHEN
    completed_at: dt.datetime | None = WHEN
