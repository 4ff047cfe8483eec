"""``TeamJobRunner``: the submitting side of team mode (the ``JobRunner`` interface).

Builds go to the team's workers: ``submit_build`` creates the queued record in the shared
store (so its id is known before the first event) and sends a Celery task to the ``builds``
queue; the workers' events come back over Redis pub/sub onto this runner's ``bus`` with the
same event types and job refs as local builds; ``wait`` follows the store (the durable
copy); ``cancel`` records a request in the store that the running worker polls, and ends a
build no worker has claimed yet at once (plus a Celery revoke of its message).

Deploys and rollbacks stay local: they talk to a deploy target from this machine, like in
local mode, through an embedded ``LocalJobRunner`` started on the first deploy.

Unlike the local runner, ``shutdown`` leaves the team's builds alone: they run on workers,
and outliving the window that started them is the point of team mode.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from pixel_desktop.errors import InputError
from pixel_desktop.events import BuildFinished, EventBus, JobRef, LogLine, PhaseChanged
from pixel_desktop.jobs.runner import JobCounts, JobRecord, JobRunner
from pixel_desktop.jobs.team import sweep
from pixel_desktop.jobs.team.celery_app import make_celery, task_id
from pixel_desktop.jobs.team.dispatch import BrokerUnreachableError, BuildOptions, send_build
from pixel_desktop.jobs.team.wire import redis_client, subscribe_remote_events
from pixel_desktop.kinds import RUNNING_BUILD_STATUSES, TERMINAL_BUILD_STATUSES
from pixel_desktop.store.build_leases import TEAM_QUEUE_HOST

if TYPE_CHECKING:
    from pixel_desktop.settings import Settings
    from pixel_desktop.store import Store

log = logging.getLogger(__name__)

WAIT_POLL_S = 0.5


class TeamJobRunner:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        broker_url: str,
        bus: EventBus | None = None,
        *,
        sweep_s: float = sweep.SWEEP_S,
    ) -> None:
        self.store, self.settings = store, settings
        self.broker_url = broker_url
        self._bus = bus or EventBus()
        self._celery = make_celery(broker_url)
        self._redis = redis_client(broker_url)
        self._lock = threading.Lock()
        self._submitted: list[int] = []
        self._local: JobRunner | None = None
        self.broker_problem: str | None = None  # "broker unreachable: ..." while it is down
        self._unsubscribe = subscribe_remote_events(
            broker_url, self._bus.publish, on_state=self._broker_state
        )
        self._stop = threading.Event()
        self._sweeper = threading.Thread(
            target=self._sweep_loop, args=(sweep_s,), name="pixel-team-sweeper", daemon=True
        )
        self._sweeper.start()

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
        if self._stop.is_set():
            raise InputError("The job runner is shutting down; submit again after restart.")
        project = self.store.projects.get(slug)
        if push_registry is not None:
            self.store.registries.get(push_registry)  # NotFoundError names it
        record = self.store.builds.create(project.id, runner_host=TEAM_QUEUE_HOST)
        ref = JobRef("build", record.id)
        line = f"queued build {record.id} of {project.slug} for the team's workers"
        self.store.builds.append_log(record.id, [line])
        self._bus.publish(PhaseChanged(record.id, "queued"))
        self._bus.publish(LogLine(record.id, line, "engine"))
        options = BuildOptions(run_tests, push_registry, no_cache)
        try:
            send_build(self._celery, self._redis, record.id, 1, options)
        except BrokerUnreachableError as exc:
            self.broker_problem = str(exc)
            self._end_here(record.id, "failed", str(exc))
            raise
        with self._lock:
            self._submitted.append(record.id)
        return ref

    def _end_here(self, build_id: int, status: str, message: str) -> None:
        """End a build no worker has: in the store (if still unclaimed) and on the bus."""
        if not self.store.leases.cancel_if_queued(build_id, message):
            return
        if status != "cancelled":
            self.store.builds.set_status(build_id, status, error_message=message)
        line = f"{status.upper()}: {message}"
        self.store.builds.append_log(build_id, [line])
        self._bus.publish(LogLine(build_id, line, "engine"))
        self._bus.publish(PhaseChanged(build_id, status))
        self._bus.publish(BuildFinished(build_id, status, message, {}))

    # ---------------------------------------------------------------- deploys (local)
    def _deploys(self) -> JobRunner:
        with self._lock:
            if self._local is None:
                from pixel_desktop.jobs.local import LocalJobRunner

                self._local = LocalJobRunner(self.store, self.settings, self._bus, concurrency=1)
            return self._local

    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        return self._deploys().submit_deploy(slug, target, build_id=build_id, via=via)

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        return self._deploys().submit_rollback(slug, target)

    # ---------------------------------------------------------------- any job
    def cancel(self, job: JobRef) -> bool:
        if job.kind != "build":
            return self._local.cancel(job) if self._local is not None else False
        return self.cancel_build(job.id) is not None

    def cancel_build(self, build_id: int) -> str | None:
        """Cancel a team build wherever it runs; a sentence, or None when it already ended."""
        record = self.store.builds.get(build_id)
        if record.status in TERMINAL_BUILD_STATUSES:
            return None
        if record.status == "queued":
            message = "The build was cancelled before a worker started it."
            if self.store.leases.cancel_if_queued(build_id, message):
                self._revoke(build_id, record.attempt)
                line = f"CANCELLED: {message}"
                self.store.builds.append_log(build_id, [line])
                self._bus.publish(LogLine(build_id, line, "engine"))
                self._bus.publish(PhaseChanged(build_id, "cancelled"))
                self._bus.publish(BuildFinished(build_id, "cancelled", message, {}))
                return f"Build {build_id} cancelled (it was still queued)."
        self.store.leases.request_cancel(build_id)
        where = record.runner_host or "its worker"
        return f"Cancel requested for build {build_id}; {where} stops it within 5 s."

    def _revoke(self, build_id: int, attempt: int) -> None:
        try:
            self._celery.control.revoke(task_id(build_id, attempt))
        except Exception as exc:  # the claim check in the store refuses it anyway
            log.info("revoke of build %s not sent: %s", build_id, exc)

    def wait(self, job: JobRef, timeout: float | None = None) -> JobRecord:
        if job.kind != "build":
            if self._local is None:
                return self.store.deployments.get(job.id)
            return self._local.wait(job, timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            record = self.store.builds.get(job.id)
            if record.status in TERMINAL_BUILD_STATUSES:
                return record
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Build {job.id} did not finish within {timeout} s.")
            time.sleep(WAIT_POLL_S)

    def counts(self) -> JobCounts:
        """Team-wide: queued and running builds of every worker (the store's view)."""
        by_status = self.store.builds.count_by_status()
        running = sum(n for s, n in by_status.items() if s in RUNNING_BUILD_STATUSES)
        deploys = self._local.counts()["deploys_running"] if self._local is not None else 0
        return {
            "queued": int(by_status.get("queued", 0)),
            "running": int(running),
            "deploys_running": deploys,
            "by_status": by_status,
        }

    def active(self) -> list[JobRef]:
        """Builds this runner submitted that have not ended, then local deploys."""
        with self._lock:
            ids = list(self._submitted)
        alive = []
        for build_id in ids:
            if self.store.builds.get(build_id).status not in TERMINAL_BUILD_STATUSES:
                alive.append(build_id)
        with self._lock:
            self._submitted = [b for b in self._submitted if b in alive]
        deploys = [r for r in self._local.active() if r.kind != "build"] if self._local else []
        return [JobRef("build", b) for b in alive] + deploys

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 30.0) -> None:
        """Stop listening and sweeping; team builds keep running on their workers. Local
        deploys are cancelled (``cancel_running``) and awaited up to ``timeout`` s."""
        self._stop.set()
        self._unsubscribe()
        self._sweeper.join(timeout=2)
        if self._local is not None:
            self._local.shutdown(cancel_running=cancel_running, timeout=timeout)
        self._redis.close()

    # ---------------------------------------------------------------- internals
    def _broker_state(self, problem: str | None) -> None:
        self.broker_problem = problem
        if problem:
            log.warning("%s", problem)

    def _sweep_loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                sweep.sweep_expired(self.store, self._celery, self._redis, self._bus)
                if self.broker_problem and self._redis.ping():
                    self.broker_problem = None
            except Exception as exc:  # broker or store down for a moment: next round
                log.info("team sweep skipped: %s", exc)


__all__ = ["TeamJobRunner"]
