"""The in-process job runner (``JobRunner``, jobs/runner.py): builds on a bounded queue,
deploys and rollbacks on a thread each, all cancellable, all with persisted records.

Builds: bounded concurrency, one build per project at a time, cancel anything.

Why worker threads and not a pool: a job must be pickable only when no other build of the
same project runs, and queued jobs must be cancellable without ever starting; a condition
variable over a plain list gives both. The engine is created by a factory (CLI command, GUI
startup), never at import time, and on construction marks builds a crashed process left
running as ``interrupted``.

Cancel works across processes: ``pixel builds cancel ID`` in another terminal leaves a
request flag (under ``PIXEL_HOME/cancel-requests``) that the running engine polls.

Deploys and rollbacks are not queued: one per (project, target) runs at a time anyway (the
deploy lock, taken at submit so a busy target is refused at once), and different targets
are independent. ``submit_deploy`` plans, locks and records the deployment ``pending`` on the
caller's thread, so its id is known before the job's first event; the job thread runs the
strategy with a cancel token (this runner's cancel, or a flag left by another process).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from pixel_desktop import paths
from pixel_desktop.build.logwriter import LogWriter
from pixel_desktop.build.metrics import BuildMetrics
from pixel_desktop.build.pipeline import BuildPipeline, Job
from pixel_desktop.build.shared_docker import SharedDocker
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.errors import InputError, NotFoundError
from pixel_desktop.events import BuildFinished, EventBus, JobRef, LogLine, PhaseChanged
from pixel_desktop.jobs.attempt import run_attempt
from pixel_desktop.jobs.runner import JobCounts, JobRecord
from pixel_desktop.kinds import TERMINAL_BUILD_STATUSES, TERMINAL_DEPLOYMENT_STATUSES

if TYPE_CHECKING:
    from pixel_desktop.deploy.plan import Plan
    from pixel_desktop.deploy.service import DeployService, StartedDeploy
    from pixel_desktop.secrets import SecretStore
    from pixel_desktop.settings import Settings
    from pixel_desktop.store import Store
    from pixel_desktop.store.ports import RunnerStore

log = logging.getLogger(__name__)

CANCEL_POLL_S = 0.5


def _cancel_flag(job: JobRef | int) -> Path:
    """Builds keep their bare id as the flag name (what older processes look for);
    deploys and rollbacks are ``deploy-ID`` (one deployment id space for both)."""
    directory = paths.home() / "cancel-requests"
    directory.mkdir(parents=True, exist_ok=True)
    ref = _as_ref(job)
    name = str(int(ref.id)) if ref.kind == "build" else f"deploy-{int(ref.id)}"
    return directory / name


def _as_ref(job: JobRef | int) -> JobRef:
    """A bare int is a build id (the BuildEngine API callers still use)."""
    return job if isinstance(job, JobRef) else JobRef("build", int(job))


def request_cancel(job: JobRef | int) -> None:
    """Ask whichever process runs ``job`` to cancel it (picked up within ~0.5 s)."""
    _cancel_flag(job).write_text(f"{time.time()}\n", encoding="utf-8")


def cancel_requested(job: JobRef | int) -> bool:
    return _cancel_flag(job).exists()


def clear_cancel_request(job: JobRef | int) -> None:
    _cancel_flag(job).unlink(missing_ok=True)


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


def other_live_engines() -> bool:
    """Does another live process run jobs from this PIXEL_HOME (its lease file says so)?
    Its running builds are in the store but their events are on that process's bus."""
    return _other_live_engines()


class _DeployJob:
    """A running deploy or rollback: its started deploy, cancel token and end signal."""

    def __init__(self, ref: JobRef, started: StartedDeploy) -> None:
        self.ref = ref
        self.started = started
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def cancelled(self) -> bool:
        """The cancel token the strategy polls: this runner's cancel or another process's."""
        if not self.cancel_event.is_set() and cancel_requested(self.ref):
            self.cancel_event.set()
        return self.cancel_event.is_set()


DeployServiceFactory = Callable[[EventBus], "DeployService"]
"""A DeployService publishing on the runner's bus; made per submit, so it reads the
settings (Docker host, health timeout) current at that moment."""


class Pipeline(Protocol):
    """What runs one build (build/pipeline.py); returns its terminal status."""

    def run(self, job: Job) -> str: ...


class LocalJobRunner:
    """``JobRunner`` on threads of this process (the embedded default)."""

    def __init__(
        self,
        store: RunnerStore,
        settings: Settings,
        bus: EventBus | None = None,
        *,
        gateway_factory: Callable[[], DockerClient] | None = None,
        secrets: SecretStore | None = None,
        pipeline: Pipeline | None = None,
        concurrency: int | None = None,
        deploy_service: DeployServiceFactory | None = None,
    ) -> None:
        self.store, self.settings = store, settings
        self._bus = bus or EventBus()
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
        self._unsubscribe_writer = self._bus.subscribe(self._log_writer)
        # One connection for all of this runner's builds (to the host the settings name at
        # each build); a given gateway_factory keeps one client per build.
        self._docker: SharedDocker | None = None
        release: Callable[[DockerClient], None] | None = None
        if gateway_factory is None:
            self._docker = SharedDocker(settings.effective_docker_host)
            gateway_factory, release = self._docker.acquire, self._docker.release
        self._pipeline: Pipeline = pipeline or BuildPipeline(
            store,
            settings,
            self._bus,
            gateway_factory,
            secrets,
            self._store_lock,
            release_docker=release,
        )
        self._deploy_service = deploy_service or self._default_deploy_service
        self._cond = threading.Condition()
        self._queue: list[Job] = []
        self._running: dict[int, Job] = {}
        self._jobs: dict[int, Job] = {}
        self._deploys: dict[int, _DeployJob] = {}
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

    @property
    def bus(self) -> EventBus:
        return self._bus

    # ---------------------------------------------------------------- builds
    def submit_build(
        self,
        slug: str,
        *,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> JobRef:
        with self._store_lock:
            project = self.store.projects.get(slug)
            if push_registry is not None:
                self.store.registries.get(push_registry)  # NotFoundError names it
            record = self.store.builds.create(project.id)
        job = Job(record.id, project.id, project.slug, run_tests, push_registry, no_cache)
        ref = JobRef("build", job.build_id)
        with self._cond:
            waiting = self._waiting_for(job)
        # Published before the job is queued: no worker can publish a later event first.
        self._bus.publish(PhaseChanged(job.build_id, "queued"))
        self._bus.publish(
            LogLine(job.build_id, f"queued build {job.build_id} of {project.slug}{waiting}", "engine")
        )
        with self._cond:
            if self._closing:
                closing = True
            else:
                closing = False
                self._jobs[job.build_id] = job
                self._queue.append(job)
                self._cond.notify_all()
        if closing:
            self._finish_unstarted(job, "cancelled", "The build engine was shutting down.")
            raise InputError("The build engine is shutting down; submit again after restart.")
        return ref

    # ---------------------------------------------------------------- deploys
    def _default_deploy_service(self, bus: EventBus) -> DeployService:
        from pixel_desktop.deploy.service import DeployService

        # Deploys need the whole store; a runner built on a narrower store (a unit test's
        # fake) is given its own ``deploy_service`` factory.
        return DeployService(cast("Store", self.store), self.settings, bus=bus)

    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        service = self._deploy_service(self._bus)
        return self._start_deploy(service, service.plan_deploy(slug, target, build_id, via))

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        service = self._deploy_service(self._bus)
        return self._start_deploy(service, service.plan_rollback(slug, target))

    def _start_deploy(self, service: DeployService, plan: Plan) -> JobRef:
        with self._cond:
            if self._closing:
                raise InputError("The job runner is shutting down; deploy again after restart.")
        started = service.start(plan)  # lock + pending record: the id exists from here
        ref = JobRef(started.kind, started.id)
        job = _DeployJob(ref, started)
        thread = threading.Thread(
            target=self._run_deploy,
            args=(service, job),
            name=f"pixel-{ref.kind}-{ref.id}",
            daemon=True,
        )
        job.thread = thread
        with self._cond:
            self._deploys[ref.id] = job
        thread.start()
        return ref

    def _run_deploy(self, service: DeployService, job: _DeployJob) -> None:
        try:
            service.run(job.started, cancelled=job.cancelled)
        except Exception:  # run() closed the record as failed; the trace is for the log
            log.exception("%s %s crashed", job.ref.kind, job.ref.id)
        finally:
            clear_cancel_request(job.ref)
            with self._cond:
                self._cond.notify_all()
            job.done.set()

    # ---------------------------------------------------------------- any job
    def cancel(self, job: JobRef | int, *, reason: str | None = None) -> bool:
        """Cancel a queued or running job of this runner; False if it is not ours/active.

        A bare int is a build id (BuildEngine compatibility). ``reason`` (builds) leads the
        record's message when the user did not cancel it themselves (the app was closed)."""
        ref = _as_ref(job)
        if ref.kind != "build":
            with self._cond:
                deploy = self._deploys.get(ref.id)
            if deploy is None or deploy.done.is_set() or deploy.ref.kind != ref.kind:
                return False
            deploy.cancel_event.set()
            return True
        with self._cond:
            build = self._jobs.get(ref.id)
            if build is None or build.done.is_set():
                return False
            if build in self._queue:
                self._queue.remove(build)
                queued = True
            else:
                queued = False
                build.cancel(reason)
        if queued:
            message = "The build was cancelled before it started."
            self._finish_unstarted(build, "cancelled", f"{reason} {message}" if reason else message)
        return True

    def wait(self, job: JobRef | int, timeout: float | None = None) -> JobRecord:
        ref = _as_ref(job)
        if ref.kind == "build":
            build = self._jobs.get(ref.id)
            if build is not None and not build.done.wait(timeout):
                raise TimeoutError(f"Build {ref.id} did not finish within {timeout} s.")
            with self._store_lock:
                return self.store.builds.get(ref.id)
        deploy = self._deploys.get(ref.id)
        if deploy is not None and not deploy.done.wait(timeout):
            raise TimeoutError(f"Deployment {ref.id} did not finish within {timeout} s.")
        with self._store_lock:
            return self.store.deployments.get(ref.id)

    def counts(self) -> JobCounts:
        with self._cond:
            queued, running = len(self._queue), len(self._running)
            deploys = sum(1 for d in self._deploys.values() if not d.done.is_set())
        with self._store_lock:
            by_status = self.store.builds.count_by_status()
        return {
            "queued": queued,
            "running": running,
            "deploys_running": deploys,
            "by_status": by_status,
        }

    def active(self) -> list[JobRef]:
        with self._cond:
            builds = sorted({*(j.build_id for j in self._queue), *self._running})
            deploys = sorted(
                (d.ref for d in self._deploys.values() if not d.done.is_set()),
                key=lambda r: r.id,
            )
        return [JobRef("build", b) for b in builds] + deploys

    def metrics(self) -> dict:
        return self._metrics.snapshot()

    def metrics_text(self) -> str:
        return self._metrics.prometheus()

    def running_ids(self) -> list[int]:
        """Running build ids."""
        with self._cond:
            return sorted(self._running)

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 30.0) -> None:
        with self._cond:
            self._closing = True
            pending = list(self._queue)
            self._queue.clear()
            running = list(self._running.values())
            deploys = [d for d in self._deploys.values() if not d.done.is_set()]
            self._cond.notify_all()
        for job in pending:
            self._finish_unstarted(job, "cancelled", "The app was closed before the build started.")
        if cancel_running:
            for job in running:
                job.cancel()
            for deploy in deploys:
                deploy.cancel_event.set()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(timeout=max(0.1, deadline - time.monotonic()))
        for deploy in deploys:
            if deploy.thread is not None:
                deploy.thread.join(timeout=max(0.1, deadline - time.monotonic()))
        self._poller.join(timeout=2)
        self._unsubscribe_writer()
        self._log_writer.close()
        if self._docker is not None:
            self._docker.close()
        self._lease.unlink(missing_ok=True)

    # ---------------------------------------------------------------- BuildEngine names
    # Kept until the app layer and the CLI call submit_build/JobRef (then removed).
    def submit(
        self,
        project_slug: str,
        *,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> int:
        """``submit_build`` returning the bare build id (BuildEngine compatibility)."""
        return self.submit_build(
            project_slug, run_tests=run_tests, push_registry=push_registry, no_cache=no_cache
        ).id

    # ---------------------------------------------------------------- internals
    def _waiting_for(self, job: Job) -> str:
        """What a new job will wait for, said on its "queued" line (caller holds the lock):
        without it a queued build only said "queued" until it started."""
        same = [j.build_id for j in (*self._running.values(), *self._queue) if j.project_id == job.project_id]
        if same:
            return f": waits for build {same[-1]} of the same project (one build per project at a time)"
        if len(self._running) + len(self._queue) >= len(self._workers):
            ahead = sorted({*self._running, *(j.build_id for j in self._queue)})
            shown = ", ".join(str(i) for i in ahead[:5]) + (" …" if len(ahead) > 5 else "")
            return (
                f": waits for a free slot ({len(self._workers)} at a time, Settings → Build "
                f"concurrency; ahead: build {shown})"
            )
        return ""

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
            try:
                run_attempt(
                    self._pipeline,
                    job,
                    timeout_s=self.settings.build_timeout_s,
                    metrics=self._metrics,
                    log_writer=self._log_writer,
                )
            finally:
                clear_cancel_request(job.build_id)
                with self._cond:
                    self._running.pop(job.build_id, None)
                    self._cond.notify_all()
                job.done.set()

    def _finish_unstarted(self, job: Job, status: str, message: str) -> None:
        with self._store_lock:
            self.store.builds.set_status(job.build_id, status, error_message=message)
        self._bus.publish(LogLine(job.build_id, f"{status.upper()}: {message}", "engine"))
        self._bus.publish(PhaseChanged(job.build_id, status))
        self._bus.publish(BuildFinished(job.build_id, status, message, {}))
        self._metrics.finished(status, None, was_active=False)
        self._log_writer.flush(job.build_id)
        clear_cancel_request(job.build_id)
        job.done.set()

    def _poll_cancels(self) -> None:
        """Builds: a flag from another process cancels them here. (Deploys poll their own
        flag through their cancel token.)"""
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


BuildEngine = LocalJobRunner
"""The old name; kept until the app layer and the GUI switch to ``LocalJobRunner``."""


def cancel_anywhere(store: Store, job: JobRef | int, engine: LocalJobRunner | None = None) -> str:
    """Cancel ``job`` (a bare int is a build id) wherever it runs; a sentence saying what
    happened."""
    ref = _as_ref(job)
    terminal: tuple[str, ...]
    if ref.kind == "build":
        record: JobRecord = store.builds.get(ref.id)  # NotFoundError for unknown ids
        terminal, what = TERMINAL_BUILD_STATUSES, "Build"
    else:
        record = store.deployments.get(ref.id)
        terminal, what = TERMINAL_DEPLOYMENT_STATUSES, "Deployment"
    if record.status in terminal:
        raise InputError(f"{what} {ref.id} already finished ({record.status}); nothing to cancel.")
    if engine is not None and engine.cancel(ref):
        return f"{what} {ref.id} cancelled."
    request_cancel(ref)
    return (
        f"Cancel requested for {what.lower()} {ref.id} ({record.status}); the process running it "
        "stops it within a few seconds (it looks for cancel requests twice a second)."
    )


__all__ = [
    "BuildEngine",
    "LocalJobRunner",
    "NotFoundError",
    "cancel_anywhere",
    "other_live_engines",
    "request_cancel",
]
