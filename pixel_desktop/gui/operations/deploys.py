"""Deploy tab operations: targets, builds and history to show, target checks, deploy and
rollback jobs (submit, wait, cancel), and the live chart's sampler.

Deploys and rollbacks are jobs of the core's job runner: ``submit_*`` returns the job at
once (its deployment record already exists), so the tab can offer Cancel before the first
stage; ``wait_job`` then blocks a pool thread until the record is final.

The chart samples every 2 s. ``KeptSampler`` keeps the core's sampler (and so its Docker
connection) between ticks instead of connecting anew each time; a failed sample drops the
connection so the next tick reconnects.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from pixel_desktop.events import JobRef  # a job of the runner: kind + persisted record id
from pixel_desktop.gui.deploy_format import Deployment, Target
from pixel_desktop.gui.operations import ChangeOp, QueryOp


class Build(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def image_name(self) -> str | None: ...
    @property
    def completed_at(self) -> dt.datetime | None: ...


class TargetCheck(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def verdict(self) -> str: ...


class Sample(Protocol):
    """One chart sample (``deploy.events.DeploySample``)."""

    @property
    def cpu_percent(self) -> float: ...
    @property
    def memory_bytes(self) -> int: ...
    @property
    def memory_limit_bytes(self) -> int: ...
    @property
    def health_latency_ms(self) -> float | None: ...
    @property
    def healthy(self) -> bool: ...
    @property
    def ts(self) -> float: ...


class Sampler(Protocol):
    """The core's live sampler of one deployment: one connection, many samples."""

    def sample(self) -> Sample: ...
    def close(self) -> None: ...


class DeploymentLog(Protocol):
    """A deployment's log (``deploy.service.DeploymentLog``): lines until closed."""

    @property
    def source(self) -> str: ...
    def __iter__(self) -> Iterator[str]: ...
    def close(self) -> None: ...


class DeployServices(Protocol):
    """What the Deploy tab needs from ``gui.services.Services`` (fakes in tests match it)."""

    def list_targets(self) -> Sequence[Target]: ...
    def completed_builds(self, slug: str, limit: int = ...) -> Sequence[Build]: ...
    def list_deployments(self, slug: str, limit: int = ...) -> Sequence[Deployment]: ...
    def check_target(self, name: str, slug: str | None = ...) -> TargetCheck: ...
    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = ..., via: str | None = ...
    ) -> JobRef: ...
    def submit_rollback(self, slug: str, target: str) -> JobRef: ...
    def cancel_job(self, job: JobRef) -> bool: ...
    def wait_job(self, job: JobRef) -> Deployment: ...
    def deploy_sampler(self, slug: str, target: str) -> Sampler: ...
    def stop_deployment(self, slug: str, target: str) -> Deployment: ...
    def remove_deployment(self, slug: str, target: str) -> Deployment: ...
    def deployment_log(
        self, slug: str, target: str, *, tail: int | None = ..., follow: bool = ...
    ) -> DeploymentLog: ...


def list_targets(services: DeployServices) -> QueryOp[Sequence[Target]]:
    return QueryOp("deploy targets", services.list_targets)


def completed_builds(services: DeployServices, slug: str) -> QueryOp[Sequence[Build]]:
    return QueryOp("completed builds", lambda: services.completed_builds(slug))


def deployment_history(services: DeployServices, slug: str) -> QueryOp[Sequence[Deployment]]:
    return QueryOp("deployment history", lambda: services.list_deployments(slug, limit=100))


def check_target(services: DeployServices, name: str, slug: str | None) -> QueryOp[TargetCheck]:
    return QueryOp("check target", lambda: services.check_target(name, slug))


def submit_deploy(
    services: DeployServices, slug: str, target: str, build_id: int, via: str | None
) -> ChangeOp[JobRef]:
    return ChangeOp(
        "deploy", lambda: services.submit_deploy(slug, target, build_id=build_id, via=via)
    )


def submit_rollback(services: DeployServices, slug: str, target: str) -> ChangeOp[JobRef]:
    return ChangeOp("rollback", lambda: services.submit_rollback(slug, target))


def wait_job(services: DeployServices, job: JobRef) -> QueryOp[Deployment]:
    """The final record of a deploy or rollback job (blocks a pool thread until then)."""
    return QueryOp(f"wait for {job.kind} {job.id}", lambda: services.wait_job(job))


def cancel_job(services: DeployServices, job: JobRef) -> ChangeOp[bool]:
    return ChangeOp(f"cancel {job.kind} {job.id}", lambda: services.cancel_job(job))


class KeptSampler:
    """The chart's sampler of one (project, target): the core sampler, opened on the first
    tick and kept until ``close``, so every tick reuses its connection."""

    def __init__(self, services: DeployServices, slug: str, target: str) -> None:
        self.services = services
        self.slug = slug
        self.target = target
        self._lock = threading.Lock()  # one tick at a time
        self._core: Sampler | None = None
        self._closed = False
        self.opened = 0  # connections opened so far (one while the target keeps answering)

    def sample(self) -> Sample:
        with self._lock:
            if self._closed:
                raise RuntimeError("sampler closed")
            if self._core is None:
                self._core = self.services.deploy_sampler(self.slug, self.target)
                self.opened += 1
            try:
                return self._core.sample()
            except BaseException:
                self._drop()  # a broken connection: the next tick connects again
                raise
            finally:
                if self._closed:  # closed while this tick ran: the tick closes it
                    self._drop()

    def close(self) -> None:
        """Close the connection; never waits for a running tick (the window may be closing):
        that tick closes it when it ends."""
        self._closed = True
        if self._lock.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._lock.release()

    def _drop(self) -> None:
        core, self._core = self._core, None
        if core is not None:
            with contextlib.suppress(Exception):
                core.close()


def sample(kept: KeptSampler) -> QueryOp[Sample]:
    return QueryOp(f"sample {kept.slug} on {kept.target}", kept.sample)


def close_sampler(kept: KeptSampler) -> ChangeOp[None]:
    return ChangeOp(f"close sampler of {kept.slug} on {kept.target}", kept.close)


# ---------------------------------------------------------------- stop / remove / log
def stop_deployment(services: DeployServices, slug: str, target: str) -> ChangeOp[Deployment]:
    return ChangeOp(f"stop {slug} on {target}", lambda: services.stop_deployment(slug, target))


def remove_deployment(services: DeployServices, slug: str, target: str) -> ChangeOp[Deployment]:
    return ChangeOp(
        f"remove {slug} from {target}", lambda: services.remove_deployment(slug, target)
    )


class LogFollower:
    """A followed deployment log for the log view: ``read`` runs on a pool thread until the
    log ends (the container stopped) or ``close`` is called from the GUI thread (the view
    closed), so no thread or connection outlives the view."""

    def __init__(self, services: DeployServices, slug: str, target: str, tail: int = 200) -> None:
        self.services = services
        self.slug = slug
        self.target = target
        self.tail = tail
        self._lock = threading.Lock()
        self._log: DeploymentLog | None = None
        self.closed = False
        self.done = threading.Event()  # set once ``read`` returned (its thread is free)

    def read(self, on_source: Callable[[str], None], on_line: Callable[[str], None]) -> bool:
        """Open the log and hand each line to ``on_line`` (on this worker thread; the view
        marshals it). True when it ended because it was closed, False when the log ended."""
        try:
            log = self.services.deployment_log(self.slug, self.target, tail=self.tail, follow=True)
            with self._lock:
                if self.closed:
                    log.close()
                    return True
                self._log = log
            on_source(log.source)
            try:
                for line in log:
                    if self.closed:
                        break
                    on_line(line)
            finally:
                log.close()
            return self.closed
        finally:
            self.done.set()

    def close(self) -> None:
        """Stop following: the blocked read ends at once. Safe to call more than once."""
        with self._lock:
            self.closed = True
            log, self._log = self._log, None
        if log is not None:
            with contextlib.suppress(Exception):
                log.close()


def follow_log(
    follower: LogFollower, on_source: Callable[[str], None], on_line: Callable[[str], None]
) -> QueryOp[bool]:
    return QueryOp(
        f"log of {follower.slug} on {follower.target}",
        lambda: follower.read(on_source, on_line),
    )


def close_log(follower: LogFollower) -> ChangeOp[None]:
    return ChangeOp(f"close log of {follower.slug} on {follower.target}", follower.close)
