"""Builds: status history, results, durable ordered logs and the generated files.

Why logs are rows and not one text column: a noisy build prints 100k lines and the GUI
tails them while the build runs; appending a batch is one UPDATE (which reserves a range
of sequence numbers under the row lock) plus a multi-row INSERT, and reading pages
through the (build_id, seq) primary key, so neither grows slower as the log grows.
"""

from __future__ import annotations

import builtins
import hashlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from pixel_desktop.errors import AlreadyExistsError, InputError, NotFoundError
from pixel_desktop.store._session import Sessions
from pixel_desktop.store.models import Build, BuildArtifact, BuildLogLine, Project
from pixel_desktop.store.records import (
    BUILD_STATUSES,
    RUNNING_BUILD_STATUSES,
    TERMINAL_BUILD_STATUSES,
    ArtifactRecord,
    BuildRecord,
)

UPDATABLE = frozenset(
    {
        "started_at",
        "completed_at",
        "image_name",
        "image_id",
        "size_bytes",
        "pushed_ref",
        "digest",
        "container_id",
        "deployment_url",
        "error_message",
        "phases",
        "registry_name",
    }
)
INSERT_CHUNK = 5000
READ_PAGE = 5000


def _record(row: Build) -> BuildRecord:
    return BuildRecord(
        id=row.id,
        project_id=row.project_id,
        project_slug=row.project.slug,
        status=row.status,
        created_at=row.created_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        image_name=row.image_name,
        image_id=row.image_id,
        size_bytes=row.size_bytes,
        pushed_ref=row.pushed_ref,
        digest=row.digest,
        container_id=row.container_id,
        deployment_url=row.deployment_url,
        error_message=row.error_message,
        phases=dict(row.phases or {}),
        registry_name=row.registry_name,
        log_line_count=row.log_line_count,
        runner_host=row.runner_host,
        attempt=row.attempt or 1,
        cancel_requested=row.cancel_requested_at is not None,
    )


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - UPDATABLE)
    if unknown:
        raise ValueError(
            f"Build field(s) {', '.join(unknown)} cannot be set; allowed: {', '.join(sorted(UPDATABLE))}"
        )


# The largest id a BIGINT/SQLite INTEGER holds: a larger one (typed on the command line) made
# the driver raise OverflowError; no build can have it, so it is simply not found.
MAX_BUILD_ID = 2**63 - 1


def _no_build(build_id: int) -> NotFoundError:
    return NotFoundError(f"No build {build_id}.", hint="See the build ids with: pixel builds list")


def _safe_text(line: str) -> str:
    # PostgreSQL text cannot hold NUL; a build tool printing one must not lose the batch.
    return line.replace("\x00", "\ufffd")


class BuildRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    # ------------------------------------------------------------- lifecycle
    def create(self, project_id: int, *, runner_host: str | None = None) -> BuildRecord:
        """A queued build; ``runner_host`` defaults to this machine (team mode names the
        queue until a worker claims it)."""
        with self._s.write() as s:
            if s.get(Project, project_id) is None:
                raise NotFoundError(f"No project with id {project_id}.")
            row = Build(
                project_id=project_id,
                status="queued",
                created_at=datetime.now(UTC),
                runner_host=runner_host or socket.gethostname(),
            )
            s.add(row)
            s.flush()
            s.refresh(row)
            return _record(row)

    def set_status(self, build_id: int, status: str, **fields: Any) -> BuildRecord:
        """Move a build to ``status``; stamps started_at on the first non-queued status and
        completed_at on a terminal one (unless the caller gives them)."""
        if status not in BUILD_STATUSES:
            raise ValueError(
                f"Unknown build status {status!r}; use one of {', '.join(BUILD_STATUSES)}"
            )
        _check_fields(fields)
        now = datetime.now(UTC)
        with self._s.write() as s:
            row = s.get(Build, build_id)
            if row is None:
                raise _no_build(build_id)
            row.status = status
            if status != "queued" and row.started_at is None:
                row.started_at = fields.pop("started_at", None) or now
            if status in TERMINAL_BUILD_STATUSES:
                row.completed_at = fields.pop("completed_at", None) or now
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _record(row)

    def update(self, build_id: int, **fields: Any) -> BuildRecord:
        _check_fields(fields)
        with self._s.write() as s:
            row = s.get(Build, build_id)
            if row is None:
                raise _no_build(build_id)
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _record(row)

    def mark_interrupted(self, *, include_queued: bool = False, host: str | None = None) -> int:
        """Builds left running by a process that died or quit become ``interrupted``.

        Queued builds are left alone unless ``include_queued``: nothing of theirs ran, and
        another process's engine may still pick them up. Only builds started on ``host``
        (default: this machine) or of unknown origin are touched: on a shared store,
        another machine's running build is not ours to judge.
        """
        now = datetime.now(UTC)
        host = host or socket.gethostname()
        states = RUNNING_BUILD_STATUSES + (("queued",) if include_queued else ())
        with self._s.write() as s:
            rows = s.scalars(
                select(Build)
                .where(Build.status.in_(states))
                .where((Build.runner_host == host) | Build.runner_host.is_(None))
                .with_for_update(of=Build)
            ).all()
            for row in rows:
                was = "waiting in the queue" if row.status == "queued" else row.status
                row.error_message = (
                    f"Interrupted while {was}: Pixel stopped before the build finished. "
                    "Start the build again."
                )
                row.status = "interrupted"
                row.completed_at = now
            return len(rows)

    # ------------------------------------------------------------------ reads
    def get(self, build_id: int) -> BuildRecord:
        if not 0 < build_id <= MAX_BUILD_ID:
            raise _no_build(build_id)
        with self._s.read() as s:
            row = s.get(Build, build_id)
            if row is None:
                raise _no_build(build_id)
            return _record(row)

    def list(self, project_slug: str | None = None, limit: int = 100) -> list[BuildRecord]:
        """Newest first; ``project_slug`` must name an existing project."""
        query = select(Build).order_by(Build.id.desc()).limit(min(max(1, limit), MAX_BUILD_ID))
        with self._s.read() as s:
            if project_slug is not None:
                pid = s.scalar(select(Project.id).where(Project.slug == project_slug))
                if pid is None:
                    raise NotFoundError(f"No project with slug '{project_slug}'.")
                query = query.where(Build.project_id == pid)
            return [_record(row) for row in s.scalars(query)]

    def last_successful(self, project_id: int) -> BuildRecord | None:
        with self._s.read() as s:
            row = s.scalar(
                select(Build)
                .where(Build.project_id == project_id, Build.status == "completed")
                .order_by(Build.id.desc())
                .limit(1)
            )
            return _record(row) if row is not None else None

    def count_by_status(self) -> dict[str, int]:
        with self._s.read() as s:
            rows = s.execute(select(Build.status, func.count()).group_by(Build.status)).all()
            return {status: int(n) for status, n in rows}

    # ------------------------------------------------------------------- logs
    def append_log(self, build_id: int, lines: builtins.list[str]) -> None:
        """Append ``lines`` in order, in one transaction (all or nothing)."""
        if not lines:
            return
        n = len(lines)
        with self._s.write() as s:
            end = s.scalar(
                update(Build)
                .where(Build.id == build_id)
                .values(log_line_count=Build.log_line_count + n)
                .returning(Build.log_line_count)
                .execution_options(synchronize_session=False)
            )
            if end is None:
                raise _no_build(build_id)
            start = end - n
            for offset in range(0, n, INSERT_CHUNK):
                chunk = lines[offset : offset + INSERT_CHUNK]
                s.execute(
                    insert(BuildLogLine),
                    [
                        {"build_id": build_id, "seq": start + offset + i, "text": _safe_text(text)}
                        for i, text in enumerate(chunk)
                    ],
                )

    def read_log(self, build_id: int) -> Iterator[str]:
        """The build's log lines in order, read page by page (memory stays flat)."""
        with self._s.read() as s:
            legacy = s.execute(select(Build.logs).where(Build.id == build_id)).first()
        if legacy is None:
            raise _no_build(build_id)
        return self._iter_log(build_id, legacy[0])

    def _iter_log(self, build_id: int, legacy: str | None) -> Iterator[str]:
        if legacy:
            # Stores from the seed schema kept the whole log in builds.logs; it comes first.
            yield from legacy.splitlines()
        last = -1
        while True:
            with self._s.read() as s:
                page = s.execute(
                    select(BuildLogLine.seq, BuildLogLine.text)
                    .where(BuildLogLine.build_id == build_id, BuildLogLine.seq > last)
                    .order_by(BuildLogLine.seq)
                    .limit(READ_PAGE)
                ).all()
            if not page:
                return
            for _seq, text in page:
                yield text
            last = page[-1][0]

    # -------------------------------------------------------------- artifacts
    def add_artifacts(self, build_id: int, files: builtins.list[tuple[str, bytes, str]]) -> None:
        rows = []
        for path, content, role in files:
            pure = PurePosixPath(path)
            if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
                raise InputError(f"Artifact path {path!r} must be relative, without '..'.")
            rows.append(
                {
                    "build_id": build_id,
                    "path": path,
                    "content": bytes(content),
                    "role": role,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "size_bytes": len(content),
                }
            )
        if not rows:
            return
        try:
            with self._s.write() as s:
                if s.get(Build, build_id) is None:
                    raise _no_build(build_id)
                s.execute(insert(BuildArtifact), rows)
        except IntegrityError:
            raise AlreadyExistsError(
                f"Build {build_id} already has an artifact with one of these paths."
            ) from None

    def artifacts(self, build_id: int) -> builtins.list[ArtifactRecord]:
        with self._s.read() as s:
            if s.get(Build, build_id) is None:
                raise _no_build(build_id)
            rows = s.scalars(
                select(BuildArtifact)
                .where(BuildArtifact.build_id == build_id)
                .order_by(BuildArtifact.path)
            ).all()
            return [
                ArtifactRecord(
                    id=r.id,
                    build_id=r.build_id,
                    path=r.path,
                    content=bytes(r.content),
                    role=r.role,
                    sha256=r.sha256,
                    size_bytes=r.size_bytes,
                )
                for r in rows
            ]
