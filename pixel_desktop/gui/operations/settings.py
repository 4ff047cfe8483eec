"""Settings operations (used by the Settings dialog): store URL check, Docker check, the
registry and target lists shown together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import RegistryRecord, TargetRecord
    from pixel_desktop.gui.services import DaemonState, Services


def test_store_url(services: Services, url: str) -> QueryOp[str]:
    """Open (and migrate) the store at ``url``; its description proves it works."""
    return QueryOp("test store URL", lambda: services.test_store_url(url))


def daemon_state(services: Services, host: str | None) -> QueryOp[DaemonState]:
    return QueryOp("check docker host", lambda: services.daemon_state(host))


def registries_and_targets(
    services: Services,
) -> QueryOp[tuple[list[RegistryRecord], list[TargetRecord]]]:
    return QueryOp(
        "registries and targets", lambda: (services.list_registries(), services.list_targets())
    )
