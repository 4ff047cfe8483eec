"""Builds: submit, cancel (here or in another process), list, show, logs and queue counts.

Why one place: the CLI's ``pixel build`` and the GUI's Build button submit to the same
queue with the same checks (the project exists, a push registry is configured), and
``cancel`` reaches a build wherever it runs.
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pixel_desktop import paths
from pixel_desktop.app.context import AppContext
from pixel_desktop.app.jobs import Jobs
from pixel_desktop.app.secrets_port import SecretsFactory, os_keyring
from pixel_desktop.errors import InputError, PixelError
from pixel_desktop.events import JobRef
from pixel_desktop.store.records import RUNNING_BUILD_STATUSES, BuildRecord, ProjectRecord

if TYPE_CHECKING:
    from pixel_desktop.jobs.local import LocalJobRunner
    from pixel_desktop.jobs.runner import JobRunner


@dataclass(frozen=True, slots=True)
class BuildCounts:
    queued: int
    running: int

    def as_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "running": self.running}


def duration_s(record: BuildRecord) -> float | None:
    """Seconds from start to end of a finished build, None while it runs or never started."""
    if record.started_at and record.completed_at:
        return round((record.completed_at - record.started_at).total_seconds(), 3)
    return None


def build_result(record: BuildRecord, finished: dict[str, object]) -> dict[str, object]:
    """The one JSON object `pixel build --json` prints: the final record, with the duration
    and phases the runner reported when it finished (``BuildFinished.result``)."""
    return {
        "build_id": record.id,
        "status": record.status,
        "image": record.image_name,
        "image_id": record.image_id,
        "size_bytes": record.size_bytes,
        "pushed_ref": record.pushed_ref,
        "digest": record.digest,
        "duration_s": finished.get("duration_s", duration_s(record)),
        "phases": dict(record.phases or finished.get("phases") or {}),  # type: ignore[call-overload]
        "error": record.error_message,
    }


def _builds_on_team_workers(runner: JobRunner) -> bool:
    """Team mode pushes from a worker with the worker's own keyring (README, Team mode): this
    machine's keyring may not hold that password, so the pre-check would refuse a good push."""
    team = sys.modules.get("pixel_desktop.jobs.team.runner")  # imported only in team mode
    return team is not None and isinstance(runner, team.TeamJobRunner)


class PushRefusedError(PixelError):
    """Build & Push refused before the build started: the registry check failed.

    Why before: a wrong password used to show up only at the push, after a full generate,
    build and test; the check (login and push permission) takes seconds. ``verdict`` is the
    registry check's sentence and ``kind`` its class (unauthorized, forbidden, unreachable,
    no_password, ...), so each front end can name its own place to fix the login.
    """

    def __init__(self, registry: str, verdict: str, kind: str) -> None:
        self.registry, self.verdict, self.kind = registry, verdict, kind
        said = verdict[:1].lower() + verdict[1:]
        super().__init__(f"Not building, the push to {registry} would fail: {said}")


class Builds:
    def __init__(self, ctx: AppContext, jobs: Jobs, secrets: SecretsFactory = os_keyring) -> None:
        self._ctx = ctx
        self._jobs = jobs
        self._secrets = secrets

    @property
    def engine(self) -> JobRunner:
        """The job runner builds are queued on (started on first use)."""
        return self._jobs.runner

    def submit(
        self,
        slug: str,
        *,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> JobRef:
        """Queue a build; the ref (kind "build", the build id) exists before its first event,
        and ``bus.subscribe_job(ref, ...)`` replays from that first event.

        With ``push_registry`` the registry is checked first (login and push permission): a
        failed check raises :class:`PushRefusedError` and nothing is queued or recorded."""
        runner = self._jobs.runner
        if push_registry is not None and not _builds_on_team_workers(runner):
            self.check_push(push_registry)
        return runner.submit_build(
            slug, run_tests=run_tests, push_registry=push_registry, no_cache=no_cache
        )

    def check_push(self, registry: str) -> None:
        """Refuse (PushRefusedError) unless ``registry`` takes our login and a push; an unknown
        registry is a NotFoundError naming it, as before."""
        from pixel_desktop.app.registries import Registries

        result = Registries(self._ctx, self._secrets).check(registry)
        if not result.ok:
            raise PushRefusedError(registry, result.verdict, result.kind)

    def wait(self, build: JobRef | int, timeout: float | None = None) -> BuildRecord:
        """The build's final record (TimeoutError when it is still running after ``timeout``)."""
        ref = build if isinstance(build, JobRef) else JobRef("build", int(build))
        self._jobs.runner.wait(ref, timeout=timeout)
        return self.get(ref.id)

    def cancel_here(self, build: JobRef | int) -> bool:
        """Cancel a build of this process's runner; False when it is not ours or not active."""
        runner = self._jobs.started
        ref = build if isinstance(build, JobRef) else JobRef("build", int(build))
        return runner.cancel(ref) if runner is not None else False

    def cancel(self, build_id: int) -> str:
        """Cancel ``build_id`` wherever it runs; returns a sentence saying what happened."""
        from pixel_desktop.jobs.local import cancel_anywhere

        if build_id <= 0:
            raise InputError("Build ids are positive integers (see `pixel builds list`).")
        team = self._jobs.cancel_team_build(build_id)  # team mode: on whichever worker
        if team is not None:
            return team
        # cancel_anywhere only calls ``.cancel`` on the runner, which every JobRunner has.
        runner = cast("LocalJobRunner | None", self._jobs.started)
        return cancel_anywhere(self._ctx.store, JobRef("build", build_id), runner)

    def list(self, slug: str | None = None, limit: int = 50) -> builtins.list[BuildRecord]:
        store = self._ctx.store
        if slug:
            store.projects.get(slug)  # unknown project → clear NotFoundError, not an empty list
        return store.builds.list(slug, limit=limit)

    def completed(self, slug: str, limit: int = 50) -> builtins.list[BuildRecord]:
        return [b for b in self.list(slug, limit=limit) if b.status == "completed"]

    def get(self, build_id: int) -> BuildRecord:
        return self._ctx.store.builds.get(build_id)

    def log(self, build_id: int, tail: int | None = None) -> builtins.list[str]:
        lines = list(self._ctx.store.builds.read_log(build_id))
        return lines[-tail:] if tail else lines

    def log_file(self, build_id: int) -> Path:
        """Where the queue's log writer keeps the complete log of a build."""
        return paths.build_logs_dir() / f"{int(build_id)}.log"

    def last_files(self, project: ProjectRecord | int) -> tuple[BuildRecord | None, dict[str, bytes]]:
        """(build, {path: content}) of the project's last successful build, or (None, {})."""
        store = self._ctx.store
        project_id = project if isinstance(project, int) else project.id
        build = store.builds.last_successful(project_id)
        if build is None:
            return None, {}
        return build, {a.path: a.content for a in store.builds.artifacts(build.id)}

    def counts(self) -> BuildCounts:
        """Queued and running builds: this process's runner when it runs, else the store's."""
        runner = self._jobs.started
        if runner is not None:
            counts = runner.counts()
            return BuildCounts(int(counts.get("queued", 0)), int(counts.get("running", 0)))
        by_status = self._ctx.store.builds.count_by_status()
        running = sum(n for s, n in by_status.items() if s in RUNNING_BUILD_STATUSES)
        return BuildCounts(int(by_status.get("queued", 0)), int(running))
