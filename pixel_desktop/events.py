"""Plain events the job runner emits, and a thread-safe bus to deliver them.

The runner never knows who listens: the CLI printer, the GUI bridge (which re-emits them
as Qt signals on the main thread) and the log writer all subscribe the same way.
Callbacks run on the publishing (worker) thread, so subscribers must be quick and
thread-safe; a subscriber that raises is logged and never breaks the job.

Every event carries its job (``event.job``, a ``JobRef``): builds by their build id, deploys
and rollbacks by their deployment id. The id exists before the job's first event (the
record is created at submit), and the bus keeps a bounded history per job, so a subscriber
that learns the id from ``submit()`` after the job started can still see every event from
the first one: ``bus.subscribe_job(ref, callback)`` (see there).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pixel_desktop.kinds import BUILD_PHASES, TERMINAL_BUILD_STATUSES, JobKind

log = logging.getLogger(__name__)

PHASES = BUILD_PHASES
TERMINAL = TERMINAL_BUILD_STATUSES

# Replay bounds: the newest REPLAY_EVENTS_PER_JOB events of each of the newest REPLAY_JOBS
# jobs (a subscriber arrives milliseconds after submit; older lines are on disk, the log
# writer stores every one).
REPLAY_JOBS = 16
REPLAY_EVENTS_PER_JOB = 5000


@dataclass(frozen=True, slots=True)
class JobRef:
    """A job's identity across processes: its kind and its persisted record id (a build id
    for builds, a deployment id for deploys and rollbacks)."""

    kind: JobKind
    id: int

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


@dataclass(frozen=True, slots=True)
class LogLine:
    build_id: int
    text: str
    source: str = "build"  # build | docker | test | push | engine
    ts: float = field(default_factory=time.time)

    @property
    def job(self) -> JobRef:
        return JobRef("build", self.build_id)


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    build_id: int
    phase: str  # one of PHASES or TERMINAL
    ts: float = field(default_factory=time.time)

    @property
    def job(self) -> JobRef:
        return JobRef("build", self.build_id)


@dataclass(frozen=True, slots=True)
class StepProgress:
    build_id: int
    step: int
    total: int
    instruction: str = ""
    ts: float = field(default_factory=time.time)

    @property
    def job(self) -> JobRef:
        return JobRef("build", self.build_id)


@dataclass(frozen=True, slots=True)
class MetricSample:
    build_id: int
    cpu_percent: float
    memory_bytes: int
    memory_limit_bytes: int = 0
    source: str = "test-container"
    ts: float = field(default_factory=time.time)

    @property
    def job(self) -> JobRef:
        return JobRef("build", self.build_id)


@dataclass(frozen=True, slots=True)
class BuildFinished:
    build_id: int
    status: str  # completed | failed | cancelled | interrupted
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)

    @property
    def job(self) -> JobRef:
        return JobRef("build", self.build_id)


@dataclass(frozen=True, slots=True)
class DeployProgress:
    deployment_id: int  # the record exists before the first event (created at submit)
    stage: str  # one of kinds.DEPLOY_STAGES
    message: str
    ts: float = field(default_factory=time.time)
    kind: JobKind = "deploy"  # deploy | rollback

    @property
    def job(self) -> JobRef:
        return JobRef(self.kind, self.deployment_id)


@dataclass(frozen=True, slots=True)
class DeployFinished:
    deployment_id: int
    status: str  # one of kinds.TERMINAL_DEPLOYMENT_STATUSES
    url: str | None
    error: str | None
    ts: float = field(default_factory=time.time)
    kind: JobKind = "deploy"  # deploy | rollback

    @property
    def job(self) -> JobRef:
        return JobRef(self.kind, self.deployment_id)


Event = (
    LogLine | PhaseChanged | StepProgress | MetricSample | BuildFinished | DeployProgress | DeployFinished
)
FINISHED_EVENTS = (BuildFinished, DeployFinished)
Subscriber = Callable[[Event], None]


class _JobSubscription:
    """Delivers one job's events to a callback: first the replayed history, then live ones,
    in order and without duplicates (live events wait while the replay runs)."""

    def __init__(self, job: JobRef, callback: Subscriber) -> None:
        self.job = job
        self.callback = callback
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if getattr(event, "job", None) == self.job:
            with self.lock:
                self.callback(event)


class EventBus:
    """Fan-out of events to subscribers; safe to publish from any thread."""

    def __init__(
        self, *, replay_jobs: int = REPLAY_JOBS, replay_events: int = REPLAY_EVENTS_PER_JOB
    ) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()
        self._history: OrderedDict[JobRef, deque[Event]] = OrderedDict()
        self._replay_jobs = replay_jobs
        self._replay_events = replay_events

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Every event from now on, of every job."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)
        return self._unsubscriber(callback)

    def subscribe_job(
        self, job: JobRef, callback: Subscriber, *, replay: bool = True
    ) -> Callable[[], None]:
        """One job's events: with ``replay``, the events it already published, then every
        new one. Bounded: the bus holds the newest ``REPLAY_EVENTS_PER_JOB`` events of each
        of the newest ``REPLAY_JOBS`` jobs, so the replay starts at the job's first event
        unless it published more than that before the subscriber came (the full log is on
        disk either way).

        This is what makes "the first log line reaches the live view" hold: the id comes
        from ``submit()``, possibly after the worker has already published the job's first
        events; subscribing with that id replays them, in order, before any live event.
        The replay runs on the calling thread; live events on the publishing thread."""
        sub = _JobSubscription(job, callback)
        with sub.lock:
            with self._lock:
                past = list(self._history.get(job, ())) if replay else []
                self._subscribers = (*self._subscribers, sub)
            for event in past:
                self._deliver(callback, event)
        return self._unsubscriber(sub)

    def history(self, job: JobRef) -> list[Event]:
        """The events of ``job`` the bus still holds (see ``subscribe_job`` for the bounds)."""
        with self._lock:
            return list(self._history.get(job, ()))

    def publish(self, event: Event) -> None:
        job: JobRef | None = getattr(event, "job", None)  # a test may publish a bare object
        with self._lock:
            if job is not None:
                kept = self._history.get(job)
                if kept is None:
                    kept = self._history[job] = deque(maxlen=self._replay_events)
                    while len(self._history) > self._replay_jobs:
                        self._history.popitem(last=False)
                kept.append(event)
            subscribers = self._subscribers
        for callback in subscribers:
            self._deliver(callback, event)

    def _unsubscriber(self, callback: Subscriber) -> Callable[[], None]:
        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    @staticmethod
    def _deliver(callback: Subscriber, event: Event) -> None:
        try:
            callback(event)
        except Exception:  # a broken listener must not fail the job
            log.exception("event subscriber %r failed", callback)
