"""Follows, in this window, builds another process of this PIXEL_HOME runs.

Why: after "keep running", the old process finishes its builds headless while the user
reopens the app; that process's events never reach this bus. A cheap store poll
(``app/keep_running.ForeignBuilds``: nothing at all unless another live process holds a
runner lease) turns the store's changes into the same events, handed to the window's
``EventBridge`` signals — so the history, the live log, the queue counts and the
notifications follow such a build exactly like one started here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer

from pixel_desktop.events import BuildFinished, Event, LogLine, PhaseChanged
from pixel_desktop.gui.bridge import EventBridge
from pixel_desktop.gui.operations import lifecycle as lifecycle_ops
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.tasks import TaskRunner

POLL_MS = 1_000


class ForeignBuildsFollower(QObject):
    def __init__(self, services: Services, tasks: TaskRunner, bridge: EventBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self._bridge = bridge
        self._poller = services.foreign_builds()
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        if self._busy:
            return
        self._busy = True
        (
            lifecycle_ops.poll_foreign_builds(self._poller)
            .success(self._deliver)
            .failure(lambda _exc: self._done())  # the next tick asks again
            .run_in_background(self._tasks)
        )

    def _done(self) -> None:
        self._busy = False

    def _deliver(self, events: Sequence[Event]) -> None:
        self._busy = False
        lines = [e for e in events if isinstance(e, LogLine)]
        if lines:
            self._bridge.log_batch.emit(lines, 0)
        for event in events:
            if isinstance(event, PhaseChanged):
                self._bridge.phase_changed.emit(event)
            elif isinstance(event, BuildFinished):
                self._bridge.build_finished.emit(event)
