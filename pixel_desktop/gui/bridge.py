"""EventBus → Qt signals on the GUI thread.

The engine publishes on worker threads. Structural events (phase, step, metric, finished)
are rare and are re-emitted at once as signals of this main-thread object, so Qt queues
them to the GUI thread. Log lines can arrive at 10,000+/s: emitting a signal per line
would flood the event queue, so they go into a lock-free ``deque`` and a ``QTimer`` hands
them to the view in batches of at most ``MAX_LINES_PER_FLUSH``. When output is faster than
a person can read, only the newest lines of each batch are shown and the number skipped
is reported — the full log is on disk (the engine writes it), so nothing is lost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from pixel_desktop.events import (
    BuildFinished,
    DeployFinished,
    DeployProgress,
    Event,
    EventBus,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)

FLUSH_INTERVAL_MS = 40
# A line costs ~20 µs to append to QPlainTextEdit; 200 per 40 ms caps the view at 5,000
# lines/s (~10% of the GUI thread). Faster output is skipped in the view only, and counted.
MAX_LINES_PER_FLUSH = 200


class EventBridge(QObject):
    phase_changed = Signal(object)  # PhaseChanged
    step_progress = Signal(object)  # StepProgress
    metric_sample = Signal(object)  # MetricSample
    build_finished = Signal(object)  # BuildFinished
    log_batch = Signal(object, int)  # list[LogLine], lines skipped (not shown, still on disk)
    deploy_progress = Signal(object)  # DeployProgress
    deploy_finished = Signal(object)  # DeployFinished

    def __init__(
        self, bus: EventBus, *, max_batch: int = MAX_LINES_PER_FLUSH, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._bus = bus
        self._lines: deque[LogLine] = deque()
        self._max_batch = max_batch
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(self._on_event)
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        self.received_lines = 0  # GUI-thread counter of lines handed to the view or skipped

    # Runs on the publishing (worker) thread: must be quick and must not touch widgets.
    def _on_event(self, event: Event) -> None:
        if isinstance(event, LogLine):
            self._lines.append(event)
        elif isinstance(event, PhaseChanged):
            self.phase_changed.emit(event)
        elif isinstance(event, StepProgress):
            self.step_progress.emit(event)
        elif isinstance(event, MetricSample):
            self.metric_sample.emit(event)
        elif isinstance(event, BuildFinished):
            self.build_finished.emit(event)
        elif isinstance(event, DeployProgress):
            self.deploy_progress.emit(event)
        elif isinstance(event, DeployFinished):
            self.deploy_finished.emit(event)

    def flush(self) -> None:
        """Hand buffered lines to the view (GUI thread)."""
        backlog = len(self._lines)
        if not backlog:
            return
        skipped = 0
        popleft = self._lines.popleft
        if backlog > self._max_batch:
            skipped = backlog - self._max_batch
            for _ in range(skipped):
                popleft()
        batch = [popleft() for _ in range(min(self._max_batch, backlog - skipped))]
        self.received_lines += len(batch) + skipped
        self.log_batch.emit(batch, skipped)

    def close(self) -> None:
        self._timer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.flush()
