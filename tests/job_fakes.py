"""A build pipeline fake for job-runner tests: a job runs until the test releases it (or
it is cancelled), so queue order, concurrency and cancel can be observed."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from pixel_desktop.build.pipeline import Job
from pixel_desktop.events import EventBus, LogLine

if TYPE_CHECKING:
    from pixel_desktop.store.ports import RunnerStore


class GatedPipeline:
    """Runs a job until the test releases it (or the job is cancelled)."""

    def __init__(self, bus: EventBus, store: RunnerStore) -> None:
        self.bus, self.store = bus, store
        self.lock = threading.Lock()
        self.running: set[int] = set()
        self.max_running = 0
        self.started_order: list[int] = []
        self.release: dict[int, threading.Event] = {}
        self.overlap_same_project = False

    def gate(self, build_id: int) -> threading.Event:
        return self.release.setdefault(build_id, threading.Event())

    def run(self, job: Job) -> str:
        with self.lock:
            projects = {self.store.builds.get(b).project_id for b in self.running}
            if job.project_id in projects:
                self.overlap_same_project = True
            self.running.add(job.build_id)
            self.max_running = max(self.max_running, len(self.running))
            self.started_order.append(job.build_id)
        job.started = time.monotonic()
        self.store.builds.set_status(job.build_id, "building")
        self.bus.publish(LogLine(job.build_id, f"working on {job.build_id}"))
        gate = self.gate(job.build_id)
        while not gate.wait(0.01):
            if job.cancel_event.is_set():
                break
        with self.lock:
            self.running.discard(job.build_id)
        status = "cancelled" if job.cancel_event.is_set() else "completed"
        self.store.builds.set_status(job.build_id, status)
        return status


if TYPE_CHECKING:  # checked by mypy (tests/unit/test_fakes_match_interfaces.py)
    from store_fakes import FakeStore

    from pixel_desktop.jobs.local import Pipeline

    _pipeline: Pipeline = GatedPipeline(EventBus(), FakeStore([]))
