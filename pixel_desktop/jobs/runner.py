"""The job runner interface: builds, deploys and rollbacks as jobs with persisted ids.

Why an interface: the app layer, the CLI and the GUI submit work and listen to events the
same way whether the job runs on a thread of this process (``jobs/local.py``, the embedded
default) or, in team mode, on a Celery worker (a later implementation). So nothing here
names a thread, a queue or a future: a job is a ``JobRef`` (kind + the id of its persisted
record), its state is that record, and its progress is events on ``bus``. Shaped like
vorta's ``JobsManager`` (a job can run and be cancelled) but keeping this project's
persisted statuses, leases and crash-honest records.

Guarantees every implementation gives:
- ``submit_*`` validates first (unknown project/target/registry, nothing deployable,
  another deploy of the same project to the same target running) and raises ``InputError``
  / ``DeployError`` without recording anything; otherwise it creates the record (build
  ``queued``, deployment ``pending``) and returns its ``JobRef`` *before* the job's first
  event is delivered to anyone who subscribes with that ref.
- Every event (``pixel_desktop.events.Event``) carries ``event.job``; the last one of a job
  is ``BuildFinished`` or ``DeployFinished``.
- ``cancel`` works for queued and running jobs; the record always ends in a terminal
  status (a cancelled deploy ends ``cancelled``, its message saying what was left running).

Live view without missing the first lines (how the GUI should listen)::

    ref = runner.submit_build("acme")            # the id exists; events may already flow
    unsubscribe = runner.bus.subscribe_job(ref, on_event)  # replays from the first event
    ...                                          # then live events, in order, no duplicates

``subscribe_job`` replays what the job already published (bounded: the newest
``events.REPLAY_EVENTS_PER_JOB`` events of the newest ``events.REPLAY_JOBS`` jobs), so a
subscriber that learns the id from ``submit_*`` — even on another thread, after the worker
began — sees the first log line. A subscriber of ``bus.subscribe`` (all jobs, no replay)
that subscribed before submitting sees everything too.
"""

from __future__ import annotations

from typing import Protocol, TypedDict

from pixel_desktop.events import EventBus, JobRef
from pixel_desktop.store.records import BuildRecord, DeploymentRecord

JobRecord = BuildRecord | DeploymentRecord


class JobCounts(TypedDict):
    """What the status bar shows: jobs of this runner, and builds in the store by status."""

    queued: int  # builds waiting for a worker
    running: int  # builds running
    deploys_running: int  # deploys and rollbacks running
    by_status: dict[str, int]  # every stored build by status


class JobRunner(Protocol):
    """Submit, cancel and wait for jobs; ``bus`` carries their events."""

    @property
    def bus(self) -> EventBus: ...

    def submit_build(
        self,
        slug: str,
        *,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> JobRef:
        """Queue a build of project ``slug``; builds of one project run one at a time."""
        ...

    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        """Deploy a completed build (default: the last one) to ``target``; starts at once."""
        ...

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        """Redeploy the healthy deployment before the current one on ``target``."""
        ...

    def cancel(self, job: JobRef) -> bool:
        """Cancel a queued or running job of this runner; False when it is not active here."""
        ...

    def wait(self, job: JobRef, timeout: float | None = None) -> JobRecord:
        """Block until the job ends (``TimeoutError`` after ``timeout`` s); its final record."""
        ...

    def counts(self) -> JobCounts: ...

    def active(self) -> list[JobRef]:
        """Queued and running jobs of this runner, oldest first."""
        ...

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 30.0) -> None:
        """Stop taking jobs; queued builds end ``cancelled``, running jobs are cancelled
        (``cancel_running``) and awaited up to ``timeout`` s."""
        ...


__all__ = ["JobCounts", "JobRecord", "JobRef", "JobRunner"]
