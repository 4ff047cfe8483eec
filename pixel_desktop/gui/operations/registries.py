"""Registry operations (the Build & Push chooser; Settings adds its own here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import RegistryRecord
    from pixel_desktop.gui.services import Services


def list_registries(services: Services) -> QueryOp[list[RegistryRecord]]:
    return QueryOp("list registries", services.list_registries)


# ---------------------------------------------------------------- the Settings dialog's
def save_registry(
    services: Services,
    name: str,
    url: str,
    username: str | None,
    password: str | None,
    insecure: bool,
    *,
    existing: bool,
) -> ChangeOp[RegistryRecord]:
    """Add or update a registry (the password goes to the OS keyring); the app layer's rules
    (name, address, password needs a user, keyring rollback) are the CLI's."""
    return ChangeOp(
        "save registry",
        lambda: services.save_registry(name, url, username, password, insecure, existing=existing),
    )


def remove_registry(services: Services, name: str) -> ChangeOp[None]:
    return ChangeOp("remove registry", lambda: services.remove_registry(name))


def check_registry(services: Services, name: str) -> QueryOp[str]:
    """Log in and list; the verdict, or a ``RegistryError`` saying what failed."""
    return QueryOp("check registry", lambda: services.check_registry(name))
