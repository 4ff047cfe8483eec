"""Registry operations (the Build & Push chooser; Settings adds its own here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import QueryOp

if TYPE_CHECKING:
    from pixel_desktop.gui.services import Services
    from pixel_desktop.store.records import RegistryRecord


def list_registries(services: Services) -> QueryOp[list[RegistryRecord]]:
    return QueryOp("list registries", services.list_registries)
