"""Deployment history: what image went to which target, and how it ended.

Why keep a config snapshot and the digest: rollback redeploys the last *healthy*
deployment exactly as it was, even if the project or its builds changed since.
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from pixel_desktop.errors import NotFoundError
from pixel_desktop.store._session import Sessions
from pixel_desktop.store.models import Build, Deployment, DeployTarget, Project
from pixel_desktop.store.records import (
    DEPLOYMENT_STATUSES,
    TERMINAL_DEPLOYMENT_STATUSES,
    UNFINISHED_DEPLOYMENT_STATUSES,
    DeploymentRecord,
)

UPDATABLE = frozenset({"url", "error_message", "digest", "image_ref", "completed_at"})


def _record(row: Deployment) -> DeploymentRecord:
    return DeploymentRecord(
        id=row.id,
        project_id=row.project_id,
        project_slug=row.project.slug,
        target_name=row.target_name,
        build_id=row.build_id,
        image_ref=row.image_ref,
        digest=row.digest,
        config_snapshot=dict(row.config_snapshot or {}),
        status=row.status,
        url=row.url,
        error_message=row.error_message,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


def _check_status(status: str) -> None:
    if status not in DEPLOYMENT_STATUSES:
        raise ValueError(
            f"Unknown deployment status {status!r}; use one of {', '.join(DEPLOYMENT_STATUSES)}"
        )


class DeploymentRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    def create(
        self,
        project_id: int,
        target_name: str,
        image_ref: str,
        *,
        build_id: int | None = None,
        digest: str | None = None,
        config_snapshot: dict[str, Any] | None = None,
        status: str = "pending",
    ) -> DeploymentRecord:
        _check_status(status)
        now = datetime.now(UTC)
        with self._s.write() as s:
            if s.get(Project, project_id) is None:
                raise NotFoundError(f"No project with id {project_id}.")
            if build_id is not None and s.get(Build, build_id) is None:
                raise NotFoundError(f"No build {build_id}.")
            target_id = s.scalar(select(DeployTarget.id).where(DeployTarget.name == target_name))
            row = Deployment(
                project_id=project_id,
                target_name=target_name,
                target_id=target_id,
                build_id=build_id,
                image_ref=image_ref,
                digest=digest,
                config_snapshot=dict(config_snapshot or {}),
                status=status,
                created_at=now,
                completed_at=now if status in TERMINAL_DEPLOYMENT_STATUSES else None,
            )
            s.add(row)
            s.flush()
            s.refresh(row)
            return _record(row)

    def set_status(self, deployment_id: int, status: str, **fields: Any) -> DeploymentRecord:
        """Record progress; a terminal status (healthy, failed, rolled_back, cancelled) stamps completed_at."""
        _check_status(status)
        unknown = sorted(set(fields) - UPDATABLE)
        if unknown:
            raise ValueError(f"Deployment field(s) {', '.join(unknown)} cannot be set")
        with self._s.write() as s:
            row = s.get(Deployment, deployment_id)
            if row is None:
                raise NotFoundError(f"No deployment {deployment_id}.")
            row.status = status
            if status in TERMINAL_DEPLOYMENT_STATUSES:
                row.completed_at = fields.pop("completed_at", None) or datetime.now(UTC)
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _record(row)

    def get(self, deployment_id: int) -> DeploymentRecord:
        with self._s.read() as s:
            row = s.get(Deployment, deployment_id)
            if row is None:
                raise NotFoundError(f"No deployment {deployment_id}.")
            return _record(row)

    def list(self, project_slug: str | None = None, limit: int = 100) -> list[DeploymentRecord]:
        """Newest first."""
        query = select(Deployment).order_by(Deployment.id.desc()).limit(max(1, limit))
        if project_slug is not None:
            query = query.join(Deployment.project).where(Project.slug == project_slug)
        with self._s.read() as s:
            return [_record(r) for r in s.scalars(query)]

    def unfinished(self) -> builtins.list[DeploymentRecord]:
        """Deployments still ``pending``/``deploying``: live ones, or leftovers of a process
        that died mid-deploy (the deploy layer tells them apart by their lock)."""
        query = (
            select(Deployment)
            .where(Deployment.status.in_(UNFINISHED_DEPLOYMENT_STATUSES))
            .order_by(Deployment.id)
        )
        with self._s.read() as s:
            return [_record(r) for r in s.scalars(query)]

    def fail_if_unfinished(self, deployment_id: int, message: str) -> bool:
        """Mark a ``pending``/``deploying`` deployment failed; False when it finished meanwhile
        (the sweep checks the lock and then writes: a deploy may end in between)."""
        with self._s.write() as s:
            row = s.scalar(
                select(Deployment)
                .where(Deployment.id == deployment_id)
                .where(Deployment.status.in_(UNFINISHED_DEPLOYMENT_STATUSES))
                .with_for_update(of=Deployment)
            )
            if row is None:
                return False
            row.status = "failed"
            row.error_message = message
            row.completed_at = datetime.now(UTC)
            return True

    def last_healthy(
        self, project_id: int, target_name: str, before_id: int | None = None
    ) -> DeploymentRecord | None:
        """The newest healthy deployment of the project on that target (older than
        ``before_id`` when given): what a rollback goes back to."""
        query = select(Deployment).where(
            Deployment.project_id == project_id,
            Deployment.target_name == target_name,
            Deployment.status == "healthy",
        )
        if before_id is not None:
            query = query.where(Deployment.id < before_id)
        with self._s.read() as s:
            row = s.scalar(query.order_by(Deployment.id.desc()).limit(1))
            return _record(row) if row is not None else None
