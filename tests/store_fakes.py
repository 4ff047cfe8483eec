"""In-memory stand-ins for the store, shaped like the Store interface the engine consumes.

mypy checks FakeStore against the ports the engine is typed with (store/ports.py; see the
``TYPE_CHECKING`` block at the end and tests/unit/test_fakes_match_interfaces.py), and the
builds it hands out are real ``BuildRecord``s, so a fake cannot drift from the real store.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pixel_desktop.errors import NotFoundError
from pixel_desktop.events import TERMINAL
from pixel_desktop.store.records import BuildRecord, DeploymentRecord, RegistryRecord


@dataclass(frozen=True)
class FakeProject:
    id: int
    slug: str
    spec: Any = None  # a ProjectSpec when the test needs one; None where nothing reads it
    secrets_key: str = ""


class FakeBuilds:
    def __init__(self, slug_of: Callable[[int], str] = lambda project_id: "") -> None:
        self.rows: dict[int, BuildRecord] = {}
        self.logs: dict[int, list[str]] = {}
        self.artifacts: dict[int, list[tuple[str, bytes, str]]] = {}
        self.history: list[tuple[int, str]] = []
        self._slug_of = slug_of
        self._lock = threading.Lock()

    def create(self, project_id: int) -> BuildRecord:
        with self._lock:
            rec = BuildRecord(
                id=len(self.rows) + 1,
                project_id=project_id,
                project_slug=self._slug_of(project_id),
                status="queued",
                created_at=datetime.now(UTC),
            )
            self.rows[rec.id] = rec
            return rec

    def set_status(self, build_id: int, status: str, **fields: Any) -> BuildRecord:
        with self._lock:
            rec = self.rows[build_id]
            now = datetime.now(UTC)
            if status != "queued" and rec.started_at is None:
                fields["started_at"] = now
            if status in TERMINAL:
                fields["completed_at"] = now
            rec = dataclasses.replace(rec, status=status, **fields)
            self.rows[build_id] = rec
            self.history.append((build_id, status))
            return rec

    def update(self, build_id: int, **fields: Any) -> BuildRecord:
        with self._lock:
            self.rows[build_id] = dataclasses.replace(self.rows[build_id], **fields)
            return self.rows[build_id]

    def get(self, build_id: int) -> BuildRecord:
        if build_id not in self.rows:
            raise NotFoundError(f"No build {build_id}.")
        return self.rows[build_id]

    def mark_interrupted(self, *, include_queued: bool = False) -> int:
        n = 0
        for rec in list(self.rows.values()):
            if rec.status not in TERMINAL and (include_queued or rec.status != "queued"):
                self.set_status(rec.id, "interrupted", error_message="interrupted")
                n += 1
        return n

    def append_log(self, build_id: int, lines: list[str]) -> None:
        with self._lock:
            self.logs.setdefault(build_id, []).extend(lines)

    def read_log(self, build_id: int) -> Iterator[str]:
        return iter(self.logs.get(build_id, []))

    def add_artifacts(self, build_id: int, files: list[tuple[str, bytes, str]]) -> None:
        with self._lock:
            self.artifacts.setdefault(build_id, []).extend(files)

    def count_by_status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for rec in self.rows.values():
            out[rec.status] = out.get(rec.status, 0) + 1
        return out


class FakeProjects:
    def __init__(self, slugs: list[str]) -> None:
        self.rows = {s: FakeProject(i + 1, s) for i, s in enumerate(slugs)}

    def get(self, slug: str) -> FakeProject:
        if slug not in self.rows:
            raise NotFoundError(f"No project {slug}.")
        return self.rows[slug]

    def get_by_id(self, pid: int) -> FakeProject:
        return next(p for p in self.rows.values() if p.id == pid)

    def slug_of(self, pid: int) -> str:
        return next((p.slug for p in self.rows.values() if p.id == pid), "")


class FakeRegistries:
    def get(self, name: str) -> RegistryRecord:
        raise NotFoundError(f"No registry named {name}.")


class FakeDeployments:
    """No deployments: the build-queue tests never deploy."""

    def get(self, deployment_id: int) -> DeploymentRecord:
        raise NotFoundError(f"No deployment {deployment_id}.")


class FakeStore:
    def __init__(self, slugs: list[str]) -> None:
        self.projects = FakeProjects(slugs)
        self.builds = FakeBuilds(self.projects.slug_of)
        self.registries = FakeRegistries()
        self.deployments = FakeDeployments()


if TYPE_CHECKING:  # checked by mypy (tests/unit/test_fakes_match_interfaces.py)
    from pixel_desktop.store.ports import LogStore, PipelineStore, RunnerStore

    _runner_store: RunnerStore = FakeStore([])
    _pipeline_store: PipelineStore = FakeStore([])
    _log_store: LogStore = FakeStore([])
