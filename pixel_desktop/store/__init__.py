"""The store: projects, builds, registries, targets and deployments in SQLite or PostgreSQL.

``Store.open(url)`` creates the engine (never at import time), upgrades the schema to the
newest migration (backing up a SQLite file first) and exposes one repository per kind of
thing. Repositories hand out frozen records (store/records.py), never ORM rows, so the
engine, CLI and GUI never hold a session or import SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from pixel_desktop.store.records import (
    ArtifactRecord,
    BuildRecord,
    DeploymentRecord,
    ProjectRecord,
    RegistryRecord,
    TargetRecord,
)

__all__ = [
    "ArtifactRecord",
    "BuildRecord",
    "DeploymentRecord",
    "ProjectRecord",
    "RegistryRecord",
    "Store",
    "TargetRecord",
]


class Store:
    """An open store; use :meth:`open`, and :meth:`close` (or ``with``) when done."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        from pixel_desktop.store._session import Sessions
        from pixel_desktop.store.build_leases import BuildLeases
        from pixel_desktop.store.builds import BuildRepository
        from pixel_desktop.store.connection import create_store_engine, describe_url, parse_url
        from pixel_desktop.store.deployments import DeploymentRepository
        from pixel_desktop.store.migrate import upgrade_to_head
        from pixel_desktop.store.projects import ProjectRepository
        from pixel_desktop.store.registries import RegistryRepository, TargetRepository

        self.url = url
        parsed = parse_url(url)
        self._description = describe_url(parsed)
        self.engine = create_store_engine(parsed)
        try:
            self.backup_file: Path | None = upgrade_to_head(self.engine) if migrate else None
        except BaseException:
            self.engine.dispose()
            raise
        sessions = Sessions(self.engine)
        self.projects = ProjectRepository(sessions)
        self.builds = BuildRepository(sessions)
        self.leases = BuildLeases(sessions)  # team mode: claims, leases, cancel requests
        self.registries = RegistryRepository(sessions)
        self.targets = TargetRepository(sessions)
        self.deployments = DeploymentRepository(sessions)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open the store at ``url`` (default: the settings' effective URL) and migrate it."""
        if url is None:
            from pixel_desktop import settings

            url = settings.load().effective_store_url()
        return cls(url)

    def describe(self) -> str:
        """Say which store this is, e.g. "SQLite /path/pixel.db"; never shows a password."""
        return self._description

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self._description}>"
