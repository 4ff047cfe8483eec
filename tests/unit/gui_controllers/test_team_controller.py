"""The Team view's controller with fakes: no Qt, no Redis, no store."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

from gui_controller_fakes import DeferredRunner, SyncRunner

from pixel_desktop.gui.team_controller import TeamController
from pixel_desktop.gui.team_format import RunnerRow, TeamOverview, WorkerRow, runner_rows


@dataclass(frozen=True)
class Worker:
    name: str
    host: str
    docker_version: str | None
    concurrency: int = 1
    running: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Status:
    workers: list[Worker]
    queue_depth: int = 0
    broker_error: str | None = None


@dataclass(frozen=True)
class Build:
    runner_host: str | None
    status: str


class FakeServices:
    def __init__(self, team: bool = True) -> None:
        self.team = team
        self.overviews: list[TeamOverview] = []
        self.followed = 0

    def follow_team(self) -> bool:
        self.followed += 1
        return self.team

    def team_overview(self, recent: int = 200) -> TeamOverview:
        return self.overviews.pop(0)


class FakeView:
    def __init__(self) -> None:
        self.workers: list[WorkerRow] = []
        self.runners: list[RunnerRow] = []
        self.queue = ""
        self.notice = ("", False)

    def show_workers(self, rows: list[WorkerRow]) -> None:
        self.workers = rows

    def show_runners(self, rows: list[RunnerRow]) -> None:
        self.runners = rows

    def show_queue(self, text: str) -> None:
        self.queue = text

    def show_notice(self, text: str, *, error: bool) -> None:
        self.notice = (text, error)


def make(services: FakeServices, runner: object | None = None) -> tuple[TeamController, FakeView, list[tuple[str, bool, str]], list[str]]:
    view = FakeView()
    status: list[tuple[str, bool, str]] = []
    placed: list[str] = []
    controller = TeamController(services, runner or SyncRunner(), view, lambda *a: status.append(a))  # type: ignore[arg-type]
    controller.start(lambda: placed.append("team tab"))
    return controller, view, status, placed


def test_local_mode_places_no_team_view_and_never_asks_the_broker() -> None:
    services = FakeServices(team=False)
    controller, view, status, placed = make(services)
    controller.refresh()
    assert placed == [] and status == [] and view.workers == []


def test_team_mode_lists_workers_queue_and_builds_by_runner() -> None:
    services = FakeServices()
    services.overviews.append(
        TeamOverview(
            Status([Worker("alpha@box", "box", "27.1.1", 2, [7]), Worker("beta@box2", "box2", None)], queue_depth=3),
            [Build("alpha@box", "completed"), Build("alpha@box", "building"), Build("beta@box2", "failed"), Build("team queue", "queued")],
        )
    )
    _, view, status, placed = make(services)

    assert placed == ["team tab"] and services.followed == 1
    assert [(w.name, w.host, w.docker, w.running, w.healthy) for w in view.workers] == [
        ("alpha@box", "box", "27.1.1", "1 of 2 (#7)", True),
        ("beta@box2", "box2", "daemon down — takes no builds", "0 of 1", False),
    ]
    assert view.queue == "3 builds waiting for a worker"
    assert view.runners[0] == RunnerRow("alpha@box", 2, 1, 1, 0)
    assert RunnerRow("waiting for a worker", 1, 0, 0, 0) in view.runners
    assert status[-1][:2] == ("Team: 2 workers online · 3 waiting", True)
    assert view.notice == ("", False)


def test_broker_unreachable_shows_in_status_line_and_clears_by_itself() -> None:
    services = FakeServices()
    services.overviews += [
        TeamOverview(Status([], 0, "broker unreachable: Connection refused"), []),
        TeamOverview(Status([Worker("alpha@box", "box", "27.1.1")]), []),
    ]
    controller, view, status, _ = make(services)
    text, ok, tooltip = status[-1]
    assert (text, ok) == ("Team: broker unreachable", False)
    assert "Connection refused" in tooltip and "Broker URL" in tooltip
    assert view.notice[1] is True

    controller.refresh()  # the panel's timer: Redis answers again
    assert status[-1][:2] == ("Team: 1 worker online", True)
    assert view.notice == ("", False)


def test_no_worker_online_says_how_to_start_one() -> None:
    services = FakeServices()
    services.overviews.append(TeamOverview(Status([], 1), []))
    _, view, status, _ = make(services)
    assert "pixel worker" in view.notice[0] and view.notice[1] is False
    assert status[-1][:2] == ("Team: no worker online · 1 waiting", True)


def test_a_slow_answer_never_overwrites_a_newer_one() -> None:
    services = FakeServices()
    newer = TeamOverview(Status([Worker("new@b", "b", "1")]), [])
    older = TeamOverview(Status([Worker("old@a", "a", "1")]), [])
    services.overviews += [newer, older]  # answered in this order below
    runner = DeferredRunner()
    controller, view, _, _ = make(services, runner)
    runner.finish(0)  # team mode: the first refresh (pending[1]) is started
    controller.refresh()  # the timer's next refresh (pending[2])
    runner.finish(2)
    runner.finish(1)  # the first refresh answers last: dropped
    assert [w.name for w in view.workers] == ["new@b"]


def test_a_store_failure_is_named_not_swallowed() -> None:
    class Failing(FakeServices):
        def team_overview(self, recent: int = 200) -> TeamOverview:
            raise RuntimeError("database is down")

    _, view, status, _ = make(Failing())
    assert view.notice[1] is True and "database is down" in view.notice[0]
    assert status[-1][:2] == ("Team: unavailable", False)


def test_runner_rows_count_unknown_runners_too() -> None:
    assert runner_rows([Build(None, "interrupted")]) == [RunnerRow("unknown", 1, 0, 0, 1)]


def test_team_controller_and_format_import_without_qt() -> None:
    code = (
        "import sys, pixel_desktop.gui.team_controller, pixel_desktop.gui.team_format, "
        "pixel_desktop.gui.operations.team; "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
