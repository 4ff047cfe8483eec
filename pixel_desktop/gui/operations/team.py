"""Team mode operations: start following the team's workers, read the team's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import QueryOp

if TYPE_CHECKING:
    from pixel_desktop.gui.services import Services
    from pixel_desktop.gui.team_format import TeamOverview


def follow_team(services: Services) -> QueryOp[bool]:
    """True in team mode (the runner relaying the workers' events now runs)."""
    return QueryOp("follow team", services.follow_team)


def team_overview(services: Services) -> QueryOp[TeamOverview]:
    return QueryOp("team overview", services.team_overview)
