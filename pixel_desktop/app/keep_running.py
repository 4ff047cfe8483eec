"""Builds outlive the window: cancel them on close with a reason, or finish them headless,
and follow from a reopened app the builds another process of this PIXEL_HOME still runs.

Why here and not in the GUI: closing, finishing and following are decisions about jobs and
records (the same rules whichever front end closes), and the window must stay a thin view.

In local mode a build's events exist only on the bus of the process that runs it. A second
process (the app reopened after "keep running") therefore follows such a build through the
store — its status and its log lines — and only while another live process holds a runner
lease (``jobs.local.other_live_engines``), so an idle app never polls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pixel_desktop.events import BuildFinished, Event, LogLine, PhaseChanged
from pixel_desktop.kinds import TERMINAL_BUILD_STATUSES

if TYPE_CHECKING:
    from pixel_desktop.app import App
    from pixel_desktop.jobs.local import LocalJobRunner
    from pixel_desktop.store.records import BuildRecord

APP_CLOSED = "Cancelled because the app was closed."
APP_STOPPED = "Cancelled because the app was stopped while it finished the builds kept running."
FOREIGN_SCAN_LIMIT = 100


def _local_runner(app: App) -> LocalJobRunner | None:
    """The in-process runner when it has started (imported lazily: CLI start-up time)."""
    from pixel_desktop.jobs.local import LocalJobRunner

    runner = app.jobs.started
    return runner if isinstance(runner, LocalJobRunner) else None


def builds_running_here(app: App) -> list[int]:
    """Queued and running builds that end when this process ends (local runner only: a
    team worker's build does not depend on this window)."""
    runner = _local_runner(app)
    if runner is None:
        return []
    return [ref.id for ref in runner.active() if ref.kind == "build"]


def cancel_for_close(app: App, reason: str = APP_CLOSED) -> list[int]:
    """Cancel every build of this process, the record saying ``reason``; the ids cancelled."""
    runner = _local_runner(app)
    if runner is None:
        return []
    cancelled = []
    for build_id in builds_running_here(app):
        if runner.cancel(build_id, reason=reason):
            cancelled.append(build_id)
    return cancelled


def finish_kept_builds(
    app: App,
    *,
    stop: threading.Event | None = None,
    poll_s: float = 0.5,
    on_finished: Callable[[BuildRecord], None] | None = None,
) -> list[BuildRecord]:
    """Block until this process's builds have ended (the window is gone; the runner keeps
    writing their logs to the store); their final records. ``stop`` set: the rest are
    cancelled with ``APP_STOPPED`` and awaited."""
    runner = _local_runner(app)
    if runner is None:
        return []
    finished: list[BuildRecord] = []
    stopping = False
    while active := builds_running_here(app):
        if stop is not None and stop.is_set() and not stopping:
            stopping = True
            for build_id in active:
                runner.cancel(build_id, reason=APP_STOPPED)
        try:
            runner.wait(active[0], timeout=poll_s)
        except TimeoutError:
            continue
        record = app.builds.get(active[0])
        finished.append(record)
        if on_finished is not None:
            on_finished(record)
    return finished


@dataclass
class _Followed:
    status: str
    lines: int


@dataclass
class ForeignBuilds:
    """Turns changes in the store of builds another live process runs into the events that
    process published (status → ``PhaseChanged``, new log lines → ``LogLine``, the end →
    ``BuildFinished``), for a view that follows builds by their events.

    The first sight of a build reports its status but no old lines: a view that opens it
    reads its log so far from the store, as for any running build."""

    app: App
    is_other_process_alive: Callable[[], bool] | None = None
    _followed: dict[int, _Followed] = field(default_factory=dict)

    def _others_alive(self) -> bool:
        if self.is_other_process_alive is not None:
            return self.is_other_process_alive()
        from pixel_desktop.jobs.local import other_live_engines

        return other_live_engines()

    def poll(self) -> list[Event]:
        if not self._followed and not self._others_alive():
            return []
        ours = set(builds_running_here(self.app))
        builds = self.app.context.store.builds
        records = [
            r
            for r in builds.list(None, limit=FOREIGN_SCAN_LIMIT)
            if r.id not in ours and (r.status not in TERMINAL_BUILD_STATUSES or r.id in self._followed)
        ]
        events: list[Event] = []
        for record in records:
            events.extend(self._changes(record))
        return events

    def _changes(self, record: BuildRecord) -> Sequence[Event]:
        seen = self._followed.get(record.id)
        if seen is None:
            self._followed[record.id] = _Followed(record.status, record.log_line_count)
            return [PhaseChanged(record.id, record.status)]
        events: list[Event] = []
        if record.log_line_count > seen.lines:
            lines = list(self.app.context.store.builds.read_log(record.id))
            events.extend(LogLine(record.id, text, "engine") for text in lines[seen.lines :])
            seen.lines = len(lines)
        if record.status != seen.status:
            seen.status = record.status
            if record.status in TERMINAL_BUILD_STATUSES:
                del self._followed[record.id]
                events.append(BuildFinished(record.id, record.status, record.error_message, {}))
            else:
                events.append(PhaseChanged(record.id, record.status))
        return events


__all__ = [
    "APP_CLOSED",
    "APP_STOPPED",
    "ForeignBuilds",
    "builds_running_here",
    "cancel_for_close",
    "finish_kept_builds",
]
