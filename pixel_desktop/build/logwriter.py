"""Makes every build log line durable: batched into the store and appended to a file.

Why batched: a noisy build prints tens of thousands of lines; one DB transaction per line
would dominate the build. Lines are buffered per build and flushed every ~0.2 s or every
500 lines by one background thread, and synchronously when the build finishes, so
``pixel builds show ID --logs`` always reads back the complete, ordered log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from pixel_desktop import paths
from pixel_desktop.events import Event, EventBus, LogLine

if TYPE_CHECKING:
    from pixel_desktop.store.ports import LogStore

FLUSH_INTERVAL_S = 0.2
FLUSH_LINES = 500


class LogWriter:
    def __init__(self, store: LogStore, store_lock: threading.RLock) -> None:
        self._store = store
        self._store_lock = store_lock
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # keeps per-build order across flushers
        self._pending: dict[int, list[str]] = {}
        # Builds whose log file this writer already started; guarded by _flush_lock.
        self._started: set[int] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pixel-log-writer", daemon=True)
        self._thread.start()
        self.errors: list[str] = []

    def __call__(self, event: Event) -> None:
        """EventBus subscriber: only buffers, never blocks the publishing build thread."""
        if not isinstance(event, LogLine):
            return
        with self._lock:
            lines = self._pending.setdefault(event.build_id, [])
            lines.append(event.text)
            if len(lines) >= FLUSH_LINES:
                self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(FLUSH_INTERVAL_S)
            self._wake.clear()
            self.flush()

    def flush(self, build_id: int | None = None) -> None:
        with self._flush_lock:
            with self._lock:
                if build_id is None:
                    batches, self._pending = self._pending, {}
                else:
                    batches = {build_id: self._pending.pop(build_id, [])}
            for bid, lines in batches.items():
                if lines:
                    self._write(bid, lines)

    def _write(self, build_id: int, lines: list[str]) -> None:
        # The first batch of a build starts a fresh file: a left-over N.log (a store that
        # was reset, or ids reused by an older schema) must never be glued to this build.
        mode = "a" if build_id in self._started else "w"
        try:
            with (paths.build_logs_dir() / f"{build_id}.log").open(mode, encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            self._started.add(build_id)
        except OSError as exc:
            self._note(f"log file for build {build_id}: {exc}")
        try:
            with self._store_lock:
                self._store.builds.append_log(build_id, lines)
        except Exception as exc:  # the store may be gone at shutdown; keep the file copy
            self._note(f"store log for build {build_id}: {exc}")

    def _note(self, message: str) -> None:
        self.errors.append(message)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self.flush()


def subscribe_printer(
    bus: EventBus, write: Callable[[str], None], build_id: int | None = None
) -> Callable[[], None]:
    """Subscribe a line printer (CLI) to ``bus``; returns the unsubscribe function."""

    def on_event(event: Event) -> None:
        if isinstance(event, LogLine) and (build_id is None or event.build_id == build_id):
            write(event.text)

    return bus.subscribe(on_event)
