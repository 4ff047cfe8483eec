"""The build queue: bounded concurrency, one build per project at a time, cancel anything.

Why worker threads and not a pool: a job must be pickable only when no other build of the
same project runs, and queued jobs must be cancellable without ever starting; a condition
variable over a plain list gives both. The engine is created by a factory (CLI command, GUI
startup), never at import time, and on construction marks builds a crashed process left
running as ``interrupted``.

Cancel works across processes: ``pixel builds cancel ID`` in another terminal leaves a
request flag (under ``PIXEL_HOME/cancel-requests``) that the running engine polls.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pixel_desktop import paths
from pixel_desktop.build.logwriter import LogWriter
from pixel_desktop.build.metrics import BuildMetrics
from pixel_desktop.build.pipeline import BuildPipeline, Job
from pixel_desktop.docker.gateway import DockerGateway
from pixel_desktop.errors import InputError, NotFoundError
from pixel_desktop.events import TERMINAL, BuildFinished, EventBus, LogLine, PhaseChanged
from pixel_desktop.secrets import SecretStore

CANCEL_POLL_S = 0.5


def _cancel_flag(build_id: int) -> Path:
    directory = paths.home() / "cancel-requests"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / str(int(build_id))


def request_cancel(build_id: int) -> None:
    """Ask whichever process runs ``build_id`` to cancel it (picked up within ~0.5 s)."""
    _cancel_flag(build_id).write_text(f"{time.time()}\n", encoding="utf-8")


def cancel_requested(build_id: int) -> bool:
    return _cancel_flag(build_id).exists()


def clear_cancel_request(build_id: int) -> None:
    _cancel_flag(build_id).unlink(missing_ok=True)


def _engines_dir() -> Path:
    directory = paths.home() / "engines"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _take_engine_lease() -> Path:
    lease = _engines_dir() / f"{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    lease.write_text(str(os.getpid()), encoding="utf-8")
    return lease


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _other_live_engines() -> bool:
    """Another live process has an engine on this PIXEL_HOME; stale leases are removed."""
    found = False
    for lease in _engines_dir().iterdir():
        try:
            pid = int(lease.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if pid == os.getpid():
            continue
        if _pid_alive(pid):
            found = True
        else:
            lease.unlink(missing_ok=True)
    return found


class BuildEngine:
    def __init__(
        self,
        store: Any,
        settings: Any,
        bus: EventBus | None = None,
        *,
        gateway_factory: Callable[[], DockerGateway] | None = None,
        secrets: SecretStore | None = None,
        pipeline: Any = None,
        concurrency: int | None = None,
    ) -> None:
        self.store, self.settings = store, settings
        self.bus = bus or EventBus()
        self._store_lock = threading.RLock()
        self._lease = _take_engine_lease()
        self.interrupted_on_start = 0
        if not _other_live_engines():
            # Only when no other process builds from this PIXEL_HOME: their running builds
            # are alive, not leftovers of a crash.
            with self._store_lock:
                self.interrupted_on_start = store.builds.mark_interrupted(include_queued=True)
        self._metrics = BuildMetrics()
        self._log_writer = LogWriter(store, self._store_lock)
        self._unsubscribe_writer = self.bus.subscribe(self._log_writer)
        factory = gateway_factory or (lambda: DockerGateway(settings.effective_docker_host()))
        self._pipeline = pipeline or BuildPipeline(
            store, settings, self.bus, factory, secrets or SecretStore(), self._store_lock
        )
        self._cond = threading.Condition()
        self._queue: list[Job] = []
        self._running: dict[int, Job] = {}
        self._jobs: dict[int, Job] = {}
        self._closing = False
        n = concurrency or settings.build_concurrency
        self._workers = [
            threading.Thread(target=self._worker, name=f"pixel-build-worker-{i}", daemon=True)
            for i in range(n)
        ]
        for worker in self._workers:
            worker.start()
        self._poller = threading.Thread(
            target=self._poll_cancels, name="pixel-cancel-poller", daemon=True
        )
        self._poller.start()

    # ---------------------------------------------------------------- public API
    def submit(
        self,
        project_slug: str,
        *,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> int:
        with self._store_lock:
            project = self.store.projects.get(project_slug)
            if push_registry is not None:
                self.store.registries.get(push_registry)  # NotFoundError names it
            record = self.store.builds.create(project.id)
        job = Job(record.id, project.id, project.slug, run_tests, push_registry, no_cache)
        with self._cond:
            if self._closing:
                raise InputError("The build engine is shutting down; submit again after restart.")
            self._jobs[job.build_id] = job
            self._queue.append(job)
            self._cond.notify_all()
        self.bus.publish(PhaseChanged(job.build_id, "queued"))
        self.bus.publish(
            LogLine(job.build_id, f"queued build {job.build_id} of {project.slug}", "engine")
        )
        return job.build_id

    def cancel(self, build_id: int) -> bool:
        """Cancel a queued or running build of this engine; False if it is not ours/active."""
        with self._cond:
            job = self._jobs.get(build_id)
            if job is None or job.done.is_set():
                return False
            if job in self._queue:
                self._queue.remove(job)
                queued = True
            else:
                queued = False
                job.cancel()
        if queued:
            self._finish_unstarted(job, "cancelled", "The build was cancelled before it started.")
        return True

    def wait(self, build_id: int, timeout: float | None = None) -> Any:
        job = self._jobs.get(build_id)
        if job is not None and not job.done.wait(timeout):
            raise TimeoutError(f"Build {build_id} did not finish within {timeout} s.")
        with self._store_lock:
            return self.store.builds.get(build_id)

    def counts(self) -> dict:
        with self._cond:
            queued, running = len(self._queue), len(self._running)
        with self._store_lock:
            by_status = self.store.builds.count_by_status()
        return {"queued": queued, "running": running, "by_status": by_status}

    def metrics(self) -> dict:
        return self._metrics.snapshot()

    def metrics_text(self) -> str:
        return self._metrics.prometheus()

    def running_ids(self) -> list[int]:
        with self._cond:
            return sorted(self._running)

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 30.0) -> None:
        with self._cond:
            self._closing = True
            pending = list(self._queue)
            self._queue.clear()
            running = list(self._running.values())
            self._cond.notify_all()
        for job in pending:
            self._finish_unstarted(job, "cancelled", "The app was closed before the build started.")
        if cancel_running:
            for job in running:
                job.cancel()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(timeout=max(0.1, deadline - time.monotonic()))
        self._poller.join(timeout=2)
        self._unsubscribe_writer()
        self._log_writer.close()
        self._lease.unlink(missing_ok=True)

    # ---------------------------------------------------------------- internals
    def _next_job(self) -> Job | None:
        """First queued job whose project has no running build (caller holds the lock)."""
        busy = {j.project_id for j in self._running.values()}
        for job in self._queue:
            if job.project_id not in busy:
                return job
        return None

    def _worker(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                while job is None and not self._closing:
                    self._cond.wait()
                    job = self._next_job()
                if job is None:
                    return
                self._queue.remove(job)
                self._running[job.build_id] = job
            self._metrics.started()
            status = "failed"
            timer = threading.Timer(float(self.settings.build_timeout_s), job.time_out)
            timer.daemon = True
            timer.start()
            try:
                status = self._pipeline.run(job)
            finally:
                timer.cancel()
                duration = time.monotonic() - job.started if job.started else None
                self._metrics.finished(status, duration)
                self._log_writer.flush(job.build_id)
                clear_cancel_request(job.build_id)
                with self._cond:
                    self._running.pop(job.build_id, None)
                    self._cond.notify_all()
                job.done.set()

    def _finish_unstarted(self, job: Job, status: str, message: str) -> None:
        with self._store_lock:
            self.store.builds.set_status(job.build_id, status, error_message=message)
        self.bus.publish(LogLine(job.build_id, f"{status.upper()}: {message}", "engine"))
        self.bus.publish(PhaseChanged(job.build_id, status))
        self.bus.publish(BuildFinished(job.build_id, status, message, {}))
        self._metrics.finished(status, None, was_active=False)
        self._log_writer.flush(job.build_id)
        clear_cancel_request(job.build_id)
        job.done.set()

    def _poll_cancels(self) -> None:
        while True:
            with self._cond:
                if self._closing and not self._running:
                    return
                ids = [j.build_id for j in (*self._queue, *self._running.values())]
            for build_id in ids:
                if cancel_requested(build_id):
                    self.cancel(build_id)
            with self._cond:  # woken at once by shutdown's notify_all, not a full poll later
                if not (self._closing and not self._running):
                    self._cond.wait(CANCEL_POLL_S)


def cancel_anywhere(store: Any, build_id: int, engine: BuildEngine | None = None) -> str:
    """Cancel ``build_id`` wherever it runs; return a sentence saying what happened."""
    record = store.builds.get(build_id)  # NotFoundError for unknown ids
    if record.status in TERMINAL:
        raise InputError(f"Build {build_id} already finished ({record.status}); nothing to cancel.")
    if engine is not None and engine.cancel(build_id):
        return f"Build {build_id} cancelled."
    request_cancel(build_id)
    return (
        f"Cancel requested for build {build_id} ({record.status}); the process running it stops "
        "it within a second."
    )


__all__ = ["BuildEngine", "NotFoundError", "cancel_anywhere", "request_cancel"]
