"""The store: projects, builds, registries, targets and deployments in SQLite or PostgreSQL.

``Store.open(url)`` creates the engine (never at import time), upgrades the schema to the
newest migration when it is behind (backing up a SQLite file first; a current schema costs
one read) and exposes one repository per kind of thing, each imported on first use.
Repositories hand out frozen records (store/records.py), never ORM rows, so the engine,
CLI and GUI never hold a session or import SQLAlchemy.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixel_desktop.store.build_leases import BuildLeases
    from pixel_desktop.store.builds import BuildRepository
    from pixel_desktop.store.deployments import DeploymentRepository
    from pixel_desktop.store.project_list import ProjectList
    from pixel_desktop.store.projects import ProjectRepository
    from pixel_desktop.store.records import (
        ArtifactRecord,
        BuildRecord,
        DeploymentRecord,
        ProjectRecord,
        RegistryRecord,
        TargetRecord,
    )
    from pixel_desktop.store.registries import RegistryRepository, TargetRepository

__all__ = [
    "ArtifactRecord",
    "BuildRecord",
    "DeploymentRecord",
    "ProjectRecord",
    "RegistryRecord",
    "Store",
    "TargetRecord",
]


_RECORDS = frozenset(__all__) - {"Store"}


def __getattr__(name: str) -> Any:
    """The records, re-exported on first use: importing any store module (the list query's
    included) runs this package first, and the records module is the costly part of it."""
    if name in _RECORDS:
        from pixel_desktop.store import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Store:
    """An open store; use :meth:`open`, and :meth:`close` (or ``with``) when done."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        from pixel_desktop.store._session import Sessions
        from pixel_desktop.store.connection import create_store_engine, describe_url, parse_url

        self.url = url
        parsed = parse_url(url)
        self._description = describe_url(parsed)
        self.engine = create_store_engine(parsed)
        try:
            self.backup_file: Path | None = self._migrate() if migrate else None
        except BaseException:
            self.engine.dispose()
            raise
        self._sessions = Sessions(self.engine)

    def _migrate(self) -> Path | None:
        # A current schema costs one read; alembic is imported only to upgrade.
        from pixel_desktop.store.migrate import upgrade_if_needed

        return upgrade_if_needed(self.engine)

    # Each repository (and the ORM models behind it) is imported on first use, so a
    # command that only lists projects never pays for the builds or deployments code.
    @cached_property
    def projects(self) -> ProjectRepository:
        from pixel_desktop.store.projects import ProjectRepository

        return ProjectRepository(self._sessions)

    @cached_property
    def project_list(self) -> ProjectList:
        """The list query (the project tree, `pixel projects list`): plain SQL over the
        columns a list shows, without the ORM or the spec blobs."""
        from pixel_desktop.store.project_list import ProjectList

        return ProjectList(self._sessions)

    @cached_property
    def builds(self) -> BuildRepository:
        from pixel_desktop.store.builds import BuildRepository

        return BuildRepository(self._sessions)

    @cached_property
    def leases(self) -> BuildLeases:
        """Team mode: claims, leases, cancel requests."""
        from pixel_desktop.store.build_leases import BuildLeases

        return BuildLeases(self._sessions)

    @cached_property
    def registries(self) -> RegistryRepository:
        from pixel_desktop.store.registries import RegistryRepository

        return RegistryRepository(self._sessions)

    @cached_property
    def targets(self) -> TargetRepository:
        from pixel_desktop.store.registries import TargetRepository

        return TargetRepository(self._sessions)

    @cached_property
    def deployments(self) -> DeploymentRepository:
        from pixel_desktop.store.deployments import DeploymentRepository

        return DeploymentRepository(self._sessions)

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
