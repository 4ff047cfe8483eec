"""The one job runner of an App: builds, deploys and rollbacks are its jobs.

Why one per App: the GUI subscribes once to one bus, the status bar counts one runner's
jobs, and closing the app stops every job the same way. The runner starts on first use
(a command that submits nothing never marks builds interrupted or takes a lease).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pixel_desktop.app.context import AppContext
from pixel_desktop.events import EventBus
from pixel_desktop.jobs.runner import JobRunner
from pixel_desktop.kinds import TERMINAL_BUILD_STATUSES

if TYPE_CHECKING:
    from pixel_desktop.jobs.team.presence import TeamStatus
    from pixel_desktop.settings import Settings
    from pixel_desktop.store.records import BuildRecord

# (context, bus) -> a runner publishing on that bus; the team build farm plugs in here.
RunnerFactory = Callable[[AppContext, EventBus], JobRunner]


def local_runner(concurrency: int | None = None) -> RunnerFactory:
    """The embedded runner: jobs on threads of this process (``jobs/local.py``)."""

    def make(ctx: AppContext, bus: EventBus) -> JobRunner:
        from pixel_desktop.jobs.local import LocalJobRunner

        return LocalJobRunner(ctx.store, ctx.settings, bus, concurrency=concurrency)

    return make


def team_or_local_runner(concurrency: int | None = None) -> RunnerFactory:
    """Team mode (a broker URL and a PostgreSQL store): ``TeamJobRunner`` (builds on the
    team's workers); otherwise the embedded runner. A broker with a SQLite store is refused
    (InputError) rather than quietly building here."""

    local = local_runner(concurrency)

    def make(ctx: AppContext, bus: EventBus) -> JobRunner:
        from pixel_desktop.jobs.team.config import team_broker_url

        broker = team_broker_url(ctx.settings, ctx.store_url)
        if broker is None:
            return local(ctx, bus)
        from pixel_desktop.jobs.team.runner import TeamJobRunner

        return TeamJobRunner(ctx.store, ctx.settings, broker, bus)

    return make


class Jobs:
    def __init__(self, ctx: AppContext, bus: EventBus, factory: RunnerFactory) -> None:
        self._ctx = ctx
        self._bus = bus
        self._factory = factory
        self._runner: JobRunner | None = None
        self._lock = threading.Lock()

    @property
    def runner(self) -> JobRunner:
        """This process's runner, started on first use."""
        with self._lock:
            if self._runner is None:
                self._runner = self._factory(self._ctx, self._bus)
            return self._runner

    def force_local(self, concurrency: int | None = None) -> None:
        """Build in this process even in team mode (``pixel build --local``); only before
        the runner started."""
        with self._lock:
            if self._runner is not None:
                raise RuntimeError("the job runner already started")
            self._factory = local_runner(concurrency)

    def team_broker(self) -> str | None:
        """The broker URL in team mode, None in local mode (InputError: broker + SQLite)."""
        from pixel_desktop.jobs.team.config import team_broker_url

        return team_broker_url(self._ctx.settings, self._ctx.store_url)

    def cancel_team_build(self, build_id: int) -> str | None:
        """Team mode: cancel a build on whichever worker runs it (a request in the store, a
        revoke for a queued one); None in local mode or when the build already ended."""
        if self.team_broker() is None:
            return None
        from pixel_desktop.jobs.team.runner import TeamJobRunner

        runner = self.runner
        if isinstance(runner, TeamJobRunner):
            return runner.cancel_build(build_id)
        return None

    def team_status(self) -> TeamStatus | None:
        """Workers online (name, host, Docker version, running builds) and the queue depth;
        None in local mode."""
        broker = self.team_broker()
        if broker is None:
            return None
        from pixel_desktop.jobs.team.presence import team_status
        from pixel_desktop.jobs.team.wire import redis_client

        client = redis_client(broker)
        try:
            return team_status(client)
        finally:
            client.close()

    def run_worker(
        self,
        *,
        name: str | None = None,
        concurrency: int = 1,
        metrics_port: int | None = None,
        metrics_host: str = "127.0.0.1",
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        """Run this machine as a team build worker until it is stopped (``pixel worker``);
        ``on_start`` gets its node name (the runner host its builds show)."""
        from pixel_desktop.errors import InputError
        from pixel_desktop.jobs.team.metrics import WorkerMetrics
        from pixel_desktop.jobs.team.worker import WorkerRuntime

        if not 1 <= concurrency <= 64:
            raise InputError("--concurrency must be between 1 and 64.")
        broker = self.team_broker()
        if broker is None:
            raise InputError(
                "No build broker is configured; set PIXEL_BROKER_URL (redis://host:6379/0) and "
                "a shared PostgreSQL store (PIXEL_STORE_URL) to run a team worker."
            )
        metrics = WorkerMetrics()
        if metrics_port:
            metrics.serve(metrics_port, metrics_host)
        runtime = WorkerRuntime(
            self._ctx.store,
            self._ctx.settings,
            broker,
            name=name,
            concurrency=concurrency,
            metrics=metrics,
        )
        if on_start is not None:
            on_start(runtime.nodename)
        runtime.run()

    def follow_build(
        self,
        build_id: int,
        on_line: Callable[[str], None],
        *,
        poll_s: float = 0.5,
        stop: threading.Event | None = None,
    ) -> BuildRecord:
        """Every log line of a build (wherever it runs) from the first, then new ones as the
        store receives them, until it ends; its final record. Works for a build another
        process or a team worker runs: the store is the durable copy of every build."""
        builds = self._ctx.store.builds
        seen = 0
        while True:
            record = builds.get(build_id)
            lines = list(builds.read_log(build_id))
            for line in lines[seen:]:
                on_line(line)
            seen = max(seen, len(lines))
            if record.status in TERMINAL_BUILD_STATUSES or (stop is not None and stop.is_set()):
                if record.status in TERMINAL_BUILD_STATUSES:
                    lines = list(builds.read_log(build_id))  # the last batch may land late
                    for line in lines[seen:]:
                        on_line(line)
                return record
            time.sleep(poll_s)

    @property
    def started(self) -> JobRunner | None:
        """The runner when it runs, without starting one."""
        return self._runner

    def shutdown(self, timeout: float = 30.0) -> None:
        """Queued builds end cancelled, running jobs are cancelled and awaited up to ``timeout``."""
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.shutdown(timeout=timeout)


def team_settings_problem(settings: Settings) -> str | None:
    """The one sentence refusing ``settings`` (a broker URL with a SQLite store) before they
    are saved, None when they are fine. Reads no keyring: the URLs' schemes decide."""
    import os

    from pixel_desktop import paths
    from pixel_desktop.jobs.team.config import SQLITE_REFUSED

    if not (os.environ.get("PIXEL_BROKER_URL") or settings.broker_url):
        return None
    store = os.environ.get("PIXEL_STORE_URL") or settings.store_url or paths.default_store_url()
    return SQLITE_REFUSED if store.strip().lower().startswith("sqlite") else None
