"""Team mode's coordination through the shared store: claims, leases, cancel requests.

Why in the store and not only in Celery: the store is what every desktop, worker and the
status API already share, and it is the durable copy. A build is *claimed* by exactly one
worker (a conditional UPDATE on status and attempt, so a redelivered or duplicated Celery
message never runs a build twice), the claiming worker renews a *lease* while it runs the
build, and anyone who sees an expired lease (the worker was SIGKILLed, its machine lost
power) retries the build as a new attempt or marks it interrupted. A *cancel request* is a
timestamp the running worker polls, wherever it is.

Times are the writers' clocks (UTC): team machines are expected to run NTP; the lease is
long enough (tens of seconds) that ordinary skew does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from pixel_desktop.kinds import RUNNING_BUILD_STATUSES
from pixel_desktop.store._session import Sessions, rowcount
from pixel_desktop.store.models import Build, BuildArtifact

# runner_host of a team build no worker holds. Never NULL: a local runner starting on any
# machine marks NULL-host builds (of unknown origin) interrupted.
TEAM_QUEUE_HOST = "team queue"


@dataclass(frozen=True)
class ExpiredLease:
    """A running build whose worker stopped renewing its lease."""

    build_id: int
    attempt: int
    runner_host: str | None
    status: str


def _now() -> datetime:
    return datetime.now(UTC)


class BuildLeases:
    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    def claim(self, build_id: int, attempt: int, runner: str, lease_s: float) -> bool:
        """Take a queued build for ``runner``; False when it is not queued at that attempt
        any more (cancelled, already claimed, superseded by a retry)."""
        with self._s.write() as s:
            result = s.execute(
                update(Build)
                .where(
                    Build.id == build_id,
                    Build.status == "queued",
                    Build.attempt == attempt,
                    Build.lease_expires_at.is_(None),  # nobody holds it (claimed stays queued
                    Build.cancel_requested_at.is_(None),  # until the pipeline's first phase)
                )
                .values(runner_host=runner, lease_expires_at=_now() + timedelta(seconds=lease_s))
                .execution_options(synchronize_session=False)
            )
            return rowcount(result) == 1

    def project_busy(self, build_id: int) -> bool:
        """Another build of the same project is running (builds of one project run one at a
        time, in team mode too)."""
        with self._s.read() as s:
            project_id = s.scalar(select(Build.project_id).where(Build.id == build_id))
            if project_id is None:
                return False
            other = s.scalar(
                select(Build.id)
                .where(
                    Build.project_id == project_id,
                    Build.id != build_id,
                    Build.status.in_(RUNNING_BUILD_STATUSES),
                )
                .limit(1)
            )
            return other is not None

    def release(self, build_id: int) -> None:
        """Give back a claim that was not started (the worker's daemon went down)."""
        with self._s.write() as s:
            s.execute(
                update(Build)
                .where(Build.id == build_id, Build.status == "queued")
                .values(lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def renew(self, build_ids: list[int], runner: str, lease_s: float) -> None:
        if not build_ids:
            return
        with self._s.write() as s:
            s.execute(
                update(Build)
                .where(Build.id.in_(build_ids), Build.runner_host == runner)
                .values(lease_expires_at=_now() + timedelta(seconds=lease_s))
                .execution_options(synchronize_session=False)
            )

    def expired(self) -> list[ExpiredLease]:
        """Running (or claimed) builds whose lease ran out."""
        with self._s.read() as s:
            rows = s.execute(
                select(Build.id, Build.attempt, Build.runner_host, Build.status).where(
                    Build.status.in_((*RUNNING_BUILD_STATUSES, "queued")),
                    Build.lease_expires_at.is_not(None),
                    Build.lease_expires_at < _now(),
                )
            ).all()
        return [ExpiredLease(int(i), int(a or 1), h, st) for i, a, h, st in rows]

    def requeue(self, build_id: int, attempt: int) -> bool:
        """Put an expired build back in the queue as attempt ``attempt + 1`` (its generated
        files go: the new attempt writes them again). False when someone else already did."""
        with self._s.write() as s:
            result = s.execute(
                update(Build)
                .where(
                    Build.id == build_id,
                    Build.attempt == attempt,
                    Build.lease_expires_at < _now(),
                )
                .values(
                    status="queued",
                    attempt=attempt + 1,
                    lease_expires_at=None,
                    runner_host=TEAM_QUEUE_HOST,
                    phases=None,
                )
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) != 1:
                return False
            s.execute(delete(BuildArtifact).where(BuildArtifact.build_id == build_id))
            return True

    def interrupt(self, build_id: int, attempt: int, message: str) -> bool:
        """End an expired build ``interrupted`` with ``message``; False when someone else
        already handled it."""
        with self._s.write() as s:
            result = s.execute(
                update(Build)
                .where(
                    Build.id == build_id,
                    Build.attempt == attempt,
                    Build.lease_expires_at < _now(),
                )
                .values(
                    status="interrupted",
                    error_message=message,
                    completed_at=_now(),
                    lease_expires_at=None,
                )
                .execution_options(synchronize_session=False)
            )
            return rowcount(result) == 1

    def finish(self, build_id: int) -> None:
        """The build ended on its worker: no lease to sweep any more."""
        with self._s.write() as s:
            s.execute(
                update(Build)
                .where(Build.id == build_id)
                .values(lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    # ------------------------------------------------------------------ cancel
    def request_cancel(self, build_id: int) -> None:
        with self._s.write() as s:
            s.execute(
                update(Build)
                .where(Build.id == build_id, Build.cancel_requested_at.is_(None))
                .values(cancel_requested_at=_now())
                .execution_options(synchronize_session=False)
            )

    def cancel_if_queued(self, build_id: int, message: str) -> bool:
        """End a build that no worker has claimed yet ``cancelled``; False when one has."""
        with self._s.write() as s:
            result = s.execute(
                update(Build)
                .where(
                    Build.id == build_id,
                    Build.status == "queued",
                    Build.lease_expires_at.is_(None),
                )
                .values(
                    status="cancelled",
                    error_message=message,
                    completed_at=_now(),
                    cancel_requested_at=_now(),
                )
                .execution_options(synchronize_session=False)
            )
            return rowcount(result) == 1

    def cancel_requested(self, build_ids: list[int]) -> set[int]:
        """Which of ``build_ids`` someone asked to cancel."""
        if not build_ids:
            return set()
        with self._s.read() as s:
            rows = s.scalars(
                select(Build.id).where(
                    Build.id.in_(build_ids), Build.cancel_requested_at.is_not(None)
                )
            ).all()
        return {int(r) for r in rows}

    def attempt(self, build_id: int) -> int:
        with self._s.read() as s:
            value = s.scalar(select(Build.attempt).where(Build.id == build_id))
        return int(value or 1)
