"""The one job runner of an App: builds, deploys and rollbacks are its jobs.

Why one per App: the GUI subscribes once to one bus, the status bar counts one runner's
jobs, and closing the app stops every job the same way. The runner starts on first use
(a command that submits nothing never marks builds interrupted or takes a lease).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pixel_desktop.app.context import AppContext
from pixel_desktop.events import EventBus

if TYPE_CHECKING:
    from pixel_desktop.jobs.local import LocalJobRunner


class Jobs:
    def __init__(self, ctx: AppContext, bus: EventBus, *, concurrency: int | None = None) -> None:
        self._ctx = ctx
        self._bus = bus
        self._concurrency = concurrency
        self._runner: LocalJobRunner | None = None
        self._lock = threading.Lock()

    @property
    def runner(self) -> LocalJobRunner:
        """This process's runner (the embedded ``jobs.local`` one), started on first use."""
        with self._lock:
            if self._runner is None:
                from pixel_desktop.jobs.local import LocalJobRunner

                self._runner = LocalJobRunner(
                    self._ctx.store, self._ctx.settings, self._bus, concurrency=self._concurrency
                )
            return self._runner

    @property
    def started(self) -> LocalJobRunner | None:
        """The runner when it runs, without starting one."""
        return self._runner

    def shutdown(self, timeout: float = 30.0) -> None:
        """Queued builds end cancelled, running jobs are cancelled and awaited up to ``timeout``."""
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.shutdown(timeout=timeout)
