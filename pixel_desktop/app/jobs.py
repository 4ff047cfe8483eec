"""The one job runner of an App: builds, deploys and rollbacks are its jobs.

Why one per App: the GUI subscribes once to one bus, the status bar counts one runner's
jobs, and closing the app stops every job the same way. The runner starts on first use
(a command that submits nothing never marks builds interrupted or takes a lease).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pixel_desktop.app.context import AppContext
from pixel_desktop.events import EventBus
from pixel_desktop.jobs.runner import JobRunner

# (context, bus) -> a runner publishing on that bus; the team build farm plugs in here.
RunnerFactory = Callable[[AppContext, EventBus], JobRunner]


def local_runner(concurrency: int | None = None) -> RunnerFactory:
    """The embedded runner: jobs on threads of this process (``jobs/local.py``)."""

    def make(ctx: AppContext, bus: EventBus) -> JobRunner:
        from pixel_desktop.jobs.local import LocalJobRunner

        return LocalJobRunner(ctx.store, ctx.settings, bus, concurrency=concurrency)

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
