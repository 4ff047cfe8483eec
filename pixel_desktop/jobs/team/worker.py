"""What ``pixel worker`` runs: a Celery worker for the ``builds`` queue that runs the same
``BuildPipeline`` as local mode against this machine's Docker daemon.

Why a thread pool: a build is mostly waiting on Docker, and the cancel poller, the lease
renewal and the log writer must reach the running builds' ``Job`` objects, which live in
this process. Everything the build does lands in the shared store (status, phases, log
lines, artifacts, ``runner_host`` = this worker's node name) and its events go out over
Redis pub/sub for whoever follows live.

Housekeeping thread, every second: cancel requests recorded in the store (from any
machine) cancel the build here, so a cancel lands within 5 s and the pipeline removes its
containers; every few seconds the leases of running builds are renewed, the worker is
announced (name, host, Docker version, running builds; presence.py), the Docker daemon is
checked (down: this worker stops consuming the queue instead of failing builds one by one,
and starts again when it is back), and expired leases of dead workers are swept.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pixel_desktop.build.logwriter import LogWriter
from pixel_desktop.build.pipeline import BuildPipeline, Job
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.events import EventBus, LogLine
from pixel_desktop.jobs.attempt import run_attempt
from pixel_desktop.jobs.local import Pipeline
from pixel_desktop.jobs.team import presence, sweep
from pixel_desktop.jobs.team.celery_app import QUEUE, TASK, make_celery, task_id
from pixel_desktop.jobs.team.metrics import WorkerMetrics
from pixel_desktop.jobs.team.wire import RedisEventPublisher, redis_client
from pixel_desktop.secrets import SecretStore

if TYPE_CHECKING:
    from celery import Celery

    from pixel_desktop.settings import Settings
    from pixel_desktop.store import Store

log = logging.getLogger(__name__)

CANCEL_POLL_S = 1.0
DOCKER_CHECK_S = 5.0
BUSY_RETRY_S = 2.0


def node_name(name: str | None) -> str:
    """Celery node name: ``NAME@host`` (``NAME`` alone gets this machine's host name)."""
    host = socket.gethostname()
    if not name:
        return f"pixel-worker@{host}"
    return name if "@" in name else f"{name}@{host}"


class WorkerRuntime:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        broker_url: str,
        *,
        name: str | None = None,
        concurrency: int = 1,
        docker_factory: Callable[[], DockerClient] | None = None,
        secrets: SecretStore | None = None,
        metrics: WorkerMetrics | None = None,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.store, self.settings = store, settings
        self.nodename = node_name(name)
        self.concurrency = concurrency
        self.celery: Celery = make_celery(broker_url)
        self.redis = redis_client(broker_url)
        self.metrics = metrics or WorkerMetrics()
        self.bus = EventBus(replay_jobs=4, replay_events=64)
        self._store_lock = threading.RLock()
        self._log_writer = LogWriter(store, self._store_lock)
        self.bus.subscribe(self._log_writer)
        self._publisher = RedisEventPublisher(broker_url)
        self.bus.subscribe(self._publisher)
        self._docker_factory = docker_factory or (
            lambda: DockerClient(settings.effective_docker_host())
        )
        self._pipeline: Pipeline = pipeline or BuildPipeline(
            store, settings, self.bus, self._docker_factory, secrets or SecretStore(),
            self._store_lock,
        )
        self._jobs: dict[int, Job] = {}
        self._jobs_lock = threading.Lock()
        self.docker_version: str | None = None
        self.consuming = True
        self._stop = threading.Event()
        self._housekeeper: threading.Thread | None = None
        self._register_task()

    # ---------------------------------------------------------------- Celery
    def _register_task(self) -> None:
        runtime = self

        @self.celery.task(name=TASK, bind=True, acks_late=True, ignore_result=True)
        def build(
            task: Any,
            build_id: int,
            attempt: int,
            run_tests: bool,
            push_registry: str | None,
            no_cache: bool,
        ) -> str:
            return runtime.run_build(build_id, attempt, run_tests, push_registry, no_cache)

    def run(self) -> None:
        """Run the Celery worker until it is stopped (SIGTERM/SIGINT: warm shutdown)."""
        self.start_housekeeping()
        try:
            self.celery.worker_main(
                [
                    "worker",
                    f"--hostname={self.nodename}",
                    f"--queues={QUEUE}",
                    f"--concurrency={self.concurrency}",
                    "--pool=threads",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                ]
            )
        finally:
            self.close()

    # ---------------------------------------------------------------- one build
    def run_build(
        self,
        build_id: int,
        attempt: int,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> str:
        """Run one attempt of a build if this worker can claim it; its terminal status, or
        ``skipped``/``requeued`` when it did not run here."""
        args = [build_id, attempt, run_tests, push_registry, no_cache]
        if self.docker_version is None and not self._check_docker():
            self._stop_consuming()
            self._resend(args)
            return "requeued"
        if self.store.leases.project_busy(build_id):
            time.sleep(BUSY_RETRY_S)  # builds of one project run one at a time
            self._resend(args)
            return "requeued"
        if not self.store.leases.claim(build_id, attempt, self.nodename, sweep.LEASE_S):
            log.info("build %s attempt %s is not queued any more; skipped", build_id, attempt)
            return "skipped"
        record = self.store.builds.get(build_id)
        job = Job(build_id, record.project_id, record.project_slug, run_tests, push_registry, no_cache)
        with self._jobs_lock:
            self._jobs[build_id] = job
        self.bus.publish(
            LogLine(
                build_id,
                f"attempt {attempt} on worker {self.nodename} (Docker {self.docker_version})",
                "engine",
            )
        )
        try:
            status = run_attempt(
                self._pipeline,
                job,
                timeout_s=self.settings.build_timeout_s,
                metrics=self.metrics,
                log_writer=self._log_writer,
            )
        finally:
            self.store.leases.finish(build_id)
            with self._jobs_lock:
                self._jobs.pop(build_id, None)
        return status

    def _resend(self, args: list[Any]) -> None:
        self.celery.send_task(TASK, args=args, queue=QUEUE, task_id=task_id(args[0], args[1]))

    def running(self) -> list[int]:
        with self._jobs_lock:
            return sorted(self._jobs)

    # ---------------------------------------------------------------- housekeeping
    def start_housekeeping(self) -> None:
        self._check_docker()
        self._announce()
        self._housekeeper = threading.Thread(
            target=self._housekeep, name="pixel-worker-housekeeping", daemon=True
        )
        self._housekeeper.start()

    def _housekeep(self) -> None:
        last_renew = last_slow = 0.0
        while not self._stop.wait(CANCEL_POLL_S):
            try:
                self._poll_cancels()
                now = time.monotonic()
                if now - last_renew >= sweep.RENEW_S:
                    last_renew = now
                    self.store.leases.renew(self.running(), self.nodename, sweep.LEASE_S)
                if now - last_slow >= DOCKER_CHECK_S:
                    last_slow = now
                    self._watch_docker()
                    self._announce()
                    sweep.sweep_expired(self.store, self.celery, self.redis, self.bus)
            except Exception as exc:  # store or broker away for a moment: next round
                log.warning("worker housekeeping: %s", exc)

    def _poll_cancels(self) -> None:
        ids = self.running()
        for build_id in self.store.leases.cancel_requested(ids):
            with self._jobs_lock:
                job = self._jobs.get(build_id)
            if job is not None and not job.cancel_event.is_set():
                log.info("build %s: cancel requested", build_id)
                job.cancel()

    def _check_docker(self) -> bool:
        try:
            client = self._docker_factory()
            try:
                self.docker_version = client.ping().version
            finally:
                client.close()
        except Exception as exc:
            if self.docker_version is not None or self.consuming:
                log.warning("Docker daemon unreachable; not taking builds: %s", exc)
            self.docker_version = None
            return False
        return True

    def _watch_docker(self) -> None:
        if self._check_docker():
            if not self.consuming:
                log.warning("Docker daemon is back; taking builds again")
                self.celery.control.add_consumer(QUEUE, destination=[self.nodename])
                self.consuming = True
        else:
            self._stop_consuming()

    def _stop_consuming(self) -> None:
        # Sent again at every check while the daemon is down: a broadcast sent before this
        # worker's control channel was up (daemon down at start) would otherwise be lost.
        self.celery.control.cancel_consumer(QUEUE, destination=[self.nodename])
        self.consuming = False

    def _announce(self) -> None:
        try:
            presence.announce(
                self.redis,
                presence.WorkerInfo(
                    name=self.nodename,
                    host=socket.gethostname(),
                    docker_version=self.docker_version,
                    concurrency=self.concurrency,
                    running=self.running(),
                ),
            )
        except Exception as exc:
            log.info("presence not announced: %s", exc)

    def close(self) -> None:
        self._stop.set()
        if self._housekeeper is not None:
            self._housekeeper.join(timeout=3)
        with contextlib.suppress(Exception):  # the broker may be gone; the key expires
            presence.withdraw(self.redis, self.nodename)
        self._log_writer.close()
        self._publisher.close()
