"""What the Team view and the status line say about the team's build farm.

Why apart from the widgets: the words and numbers (a worker whose daemon is down, builds
counted per runner, the broker's state) are the part worth testing, and they need no Qt.
The shapes are Protocols so the GUI names no type below the app layer (import contracts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pixel_desktop.kinds import RUNNING_BUILD_STATUSES, TERMINAL_BUILD_STATUSES

TEAM_QUEUE_HOST = "team queue"  # a build no worker claimed yet (store.build_leases.TEAM_QUEUE_HOST)


class WorkerLike(Protocol):
    """A worker announcing itself (``jobs.team.presence.WorkerInfo``)."""

    @property
    def name(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def docker_version(self) -> str | None: ...
    @property
    def concurrency(self) -> int: ...
    @property
    def running(self) -> list[int]: ...


class TeamStatusLike(Protocol):
    """Workers online and the queue (``jobs.team.presence.TeamStatus``)."""

    @property
    def workers(self) -> Sequence[WorkerLike]: ...
    @property
    def queue_depth(self) -> int: ...
    @property
    def broker_error(self) -> str | None: ...


class BuildLike(Protocol):
    @property
    def runner_host(self) -> str | None: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class TeamOverview:
    """One refresh of the Team view: the broker's answer plus the recent builds' runners."""

    status: TeamStatusLike | None  # None: local mode (no broker configured)
    builds: Sequence[BuildLike] = field(default_factory=list)


@dataclass(frozen=True)
class WorkerRow:
    name: str
    host: str
    docker: str
    running: str
    healthy: bool


@dataclass(frozen=True)
class RunnerRow:
    runner: str
    total: int
    running: int
    completed: int
    failed: int




def worker_rows(workers: Iterable[WorkerLike]) -> list[WorkerRow]:
    rows = []
    for w in workers:
        docker = w.docker_version or "daemon down — takes no builds"
        busy = ", ".join(f"#{b}" for b in w.running)
        running = f"{len(w.running)} of {w.concurrency}" + (f" ({busy})" if busy else "")
        rows.append(WorkerRow(w.name, w.host, docker, running, w.docker_version is not None))
    return rows


def runner_label(runner_host: str | None) -> str:
    if not runner_host:
        return "unknown"
    if runner_host == TEAM_QUEUE_HOST:
        return "waiting for a worker"
    return runner_host


def runner_rows(builds: Iterable[BuildLike]) -> list[RunnerRow]:
    """Builds per runner, busiest first; failed counts every unsuccessful end."""
    total: Counter[str] = Counter()
    running: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for b in builds:
        key = runner_label(b.runner_host)
        total[key] += 1
        if b.status == "completed":
            completed[key] += 1
        elif b.status in RUNNING_BUILD_STATUSES:
            running[key] += 1
        elif b.status in TERMINAL_BUILD_STATUSES:
            failed[key] += 1
    return [
        RunnerRow(name, n, running[name], completed[name], failed[name])
        for name, n in sorted(total.items(), key=lambda item: (-item[1], item[0]))
    ]


def queue_text(depth: int) -> str:
    return "No build waiting for a worker" if depth == 0 else f"{depth} build{'s' if depth != 1 else ''} waiting for a worker"


def summary_text(status: TeamStatusLike) -> str:
    """The status line's team part: short, and the broker's trouble first."""
    if status.broker_error:
        return "Team: broker unreachable"
    n = len(status.workers)
    workers = "no worker online" if n == 0 else f"{n} worker{'s' if n != 1 else ''} online"
    return f"Team: {workers}" + (f" · {status.queue_depth} waiting" if status.queue_depth else "")


def broker_help(status: TeamStatusLike) -> str:
    """What is wrong and how to fix it, for the view's notice and the label's tooltip."""
    if status.broker_error:
        return (
            f"{status.broker_error[:1].upper()}{status.broker_error[1:]}. Builds cannot be handed to the team's "
            "workers until it answers; check that Redis runs and the Broker URL in Settings (or "
            "PIXEL_BROKER_URL). This view retries by itself."
        )
    if not status.workers:
        return "No worker is online: builds wait in the queue until one starts (`pixel worker` on a build machine)."
    return ""
