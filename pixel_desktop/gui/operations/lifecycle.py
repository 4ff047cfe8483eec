"""Closing while builds run, and following builds another process runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.keep_running import ForeignBuilds
    from pixel_desktop.events import Event
    from pixel_desktop.gui.services import Services


def builds_running_here(services: Services) -> QueryOp[list[int]]:
    return QueryOp("builds running here", services.builds_running_here)


def cancel_builds_for_close(services: Services) -> ChangeOp[list[int]]:
    return ChangeOp("cancel builds for close", services.cancel_builds_for_close)


def poll_foreign_builds(poller: ForeignBuilds) -> QueryOp[list[Event]]:
    return QueryOp("poll builds of another process", poller.poll)
