"""Run blocking core calls (Docker, network, database) off the GUI thread.

Why not raw threads: a ``QRunnable`` on the global ``QThreadPool`` is cheap, and its result
comes back through a signal of a ``QObject`` created on the main thread, so Qt queues the
callback onto the main loop. Workers never touch widgets; callbacks always run on the GUI
thread. The runner keeps each pending job's signal object alive until it has reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:  # worker thread
        try:
            result = self._fn()
        except BaseException as exc:
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class TaskRunner(QObject):
    """Submit ``fn`` to a thread pool; ``on_done(result)`` / ``on_error(exc)`` run on the GUI thread."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        if self._pool.maxThreadCount() < 4:
            self._pool.setMaxThreadCount(4)
        self._pending: set[_Relay] = set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        relay = _Relay()  # created here, on the GUI thread → queued delivery
        self._pending.add(relay)

        def finished(result: Any) -> None:
            self._pending.discard(relay)
            if on_done is not None:
                on_done(result)

        def failed(exc: Any) -> None:
            self._pending.discard(relay)
            if on_error is not None:
                on_error(exc)
            else:
                from pixel_desktop.gui.errors import report_exception

                report_exception(exc)

        relay.done.connect(finished)
        relay.failed.connect(failed)
        self._pool.start(_Job(fn, relay))

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (shutdown and tests only)."""
        return self._pool.waitForDone(msecs)
