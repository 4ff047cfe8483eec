"""In-memory stand-ins for the store, shaped like the Store interface the engine consumes."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pixel_desktop.errors import NotFoundError
from pixel_desktop.events import TERMINAL


@dataclass(frozen=True)
class FakeProject:
    id: int
    slug: str
    spec: Any = None


@dataclass(frozen=True)
class FakeBuild:
    id: int
    project_id: int
    status: str = "queued"
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error_message: str | None = None
    phases: dict = field(default_factory=dict)
    image_name: str | None = None
    image_id: str | None = None
    size_bytes: int | None = None
    pushed_ref: str | None = None
    digest: str | None = None
    registry_name: str | None = None


class FakeBuilds:
    def __init__(self) -> None:
        self.rows: dict[int, FakeBuild] = {}
        self.logs: dict[int, list[str]] = {}
        self.history: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def create(self, project_id: int) -> FakeBuild:
        with self._lock:
            rec = FakeBuild(len(self.rows) + 1, project_id)
            self.rows[rec.id] = rec
            return rec

    def set_status(self, build_id: int, status: str, **fields: Any) -> FakeBuild:
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

    def update(self, build_id: int, **fields: Any) -> FakeBuild:
        with self._lock:
            self.rows[build_id] = dataclasses.replace(self.rows[build_id], **fields)
            return self.rows[build_id]

    def get(self, build_id: int) -> FakeBuild:
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

    def read_log(self, build_id: int):
        return iter(self.logs.get(build_id, []))

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


class FakeRegistries:
    def get(self, name: str) -> Any:
        raise NotFoundError(f"No registry named {name}.")


class FakeStore:
    def __init__(self, slugs: list[str]) -> None:
        self.projects = FakeProjects(slugs)
        self.builds = FakeBuilds()
        self.registries = FakeRegistries()
