"""Status bar and startup operations: Docker daemon, store, templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import QueryOp

if TYPE_CHECKING:
    from pixel_desktop.gui.services import DaemonState, Services


def open_store(services: Services) -> QueryOp[int]:
    """The window's first load, after it is shown: open (create, migrate) the store; the
    number of projects in it (0: the first run may offer the sample)."""
    return QueryOp("open store", services.open_store_counting)


def daemon_state(services: Services) -> QueryOp[DaemonState]:
    return QueryOp("check docker", services.daemon_state)


def describe_store(services: Services) -> QueryOp[str]:
    return QueryOp("describe store", services.describe_store)


def template_names(services: Services) -> QueryOp[list[str]]:
    return QueryOp("template names", services.template_names)
