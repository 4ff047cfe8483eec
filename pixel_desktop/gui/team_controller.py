"""The Team view's behaviour without widgets: what a refresh shows and where it goes.

Why a controller: the view is a few tables and a notice; which rows, which words, that a
slow answer never overwrites a newer one, and that the broker's state reaches the status
line (and clears by itself once Redis answers again) is tested here without Qt or Redis.
Refreshing is the view's timer's job; the controller only says what one refresh does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pixel_desktop.gui.messages import user_message
from pixel_desktop.gui.operations import Latest, Runner
from pixel_desktop.gui.operations import team as team_ops
from pixel_desktop.gui.team_format import (
    RunnerRow,
    TeamOverview,
    WorkerRow,
    broker_help,
    queue_text,
    runner_rows,
    summary_text,
    worker_rows,
)


class TeamServices(Protocol):
    def follow_team(self) -> bool: ...
    def team_overview(self, recent: int = ...) -> TeamOverview: ...


class TeamView(Protocol):
    def show_workers(self, rows: list[WorkerRow]) -> None: ...
    def show_runners(self, rows: list[RunnerRow]) -> None: ...
    def show_queue(self, text: str) -> None: ...
    def show_notice(self, text: str, *, error: bool) -> None: ...


# (status line text, healthy, tooltip) — the window's status bar shows the team's state.
StatusSink = Callable[[str, bool, str], None]


class TeamController:
    def __init__(self, services: TeamServices, runner: Runner, view: TeamView, on_status: StatusSink) -> None:
        self._services = services
        self._runner = runner
        self._view = view
        self._on_status = on_status
        self._latest = Latest()
        self.team_mode = False
        self.overview: TeamOverview | None = None

    def start(self, on_team_mode: Callable[[], None]) -> None:
        """Ask once whether this is team mode; ``on_team_mode`` places the view then."""

        def answered(team: bool) -> None:
            self.team_mode = team
            if team:
                on_team_mode()
                self.refresh()

        team_ops.follow_team(self._services).success(answered).failure(self._failed).run_in_background(self._runner)  # type: ignore[arg-type]

    def refresh(self) -> None:
        if not self.team_mode:
            return
        token = self._latest.next()
        (
            team_ops.team_overview(self._services)  # type: ignore[arg-type]
            .success(self._latest.wrap(token, self._show))
            .failure(self._failed)
            .run_in_background(self._runner)
        )

    def _show(self, overview: TeamOverview) -> None:
        self.overview = overview
        status = overview.status
        if status is None:  # the broker setting was removed meanwhile
            self._view.show_notice("Team mode is off: no broker is configured.", error=False)
            return
        self._view.show_workers(worker_rows(status.workers))
        self._view.show_runners(runner_rows(overview.builds))
        self._view.show_queue(queue_text(status.queue_depth))
        help_text = broker_help(status)
        self._view.show_notice(help_text, error=bool(status.broker_error))
        self._on_status(summary_text(status), status.broker_error is None, help_text or summary_text(status))

    def _failed(self, exc: BaseException) -> None:
        """A store or settings problem (the broker's own trouble is an answer, not an error)."""
        text = user_message(exc)[1]
        self._view.show_notice(f"The team's state could not be read: {text}", error=True)
        self._on_status("Team: unavailable", False, text)
