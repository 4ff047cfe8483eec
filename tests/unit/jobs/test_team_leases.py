"""The store coordinates team builds: one claim per attempt, cancel requests any machine can
record, and expired leases swept into a retry (attempt + 1, visible in the log) or an
``interrupted`` record with a message — never a build stuck running."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import update

from pixel_desktop.build.pipeline import Job
from pixel_desktop.events import BuildFinished, EventBus
from pixel_desktop.jobs.team import sweep
from pixel_desktop.jobs.team.celery_app import TASK
from pixel_desktop.jobs.team.dispatch import OPTIONS_KEY, BuildOptions, send_build
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store
from pixel_desktop.store.models import Build

REPO = Path(__file__).resolve().parents[3]


class FakeCelery:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any], str]] = []
        self.control = self
        self.consumer_calls: list[str] = []

    def send_task(self, name: str, args: list[Any], queue: str, task_id: str, **_: Any) -> None:
        self.sent.append((name, args, task_id))

    def cancel_consumer(self, queue: str, destination: list[str]) -> None:
        self.consumer_calls.append(f"cancel {queue} {destination}")

    def add_consumer(self, queue: str, destination: list[str]) -> None:
        self.consumer_calls.append(f"add {queue} {destination}")


class FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def set(self, key: str, value: str, ex: int | None = None) -> None:
        self.data[key] = value

    def get(self, key: str) -> str | None:
        return self.data.get(key)


@pytest.fixture
def store() -> Store:
    store = Store.open()
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = "acme"
    store.projects.create(spec_from_data(data))
    return store


def _build(store: Store) -> int:
    return store.builds.create(store.projects.get("acme").id, runner_host="team queue").id


def _expire(store: Store, build_id: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(Build)
            .where(Build.id == build_id)
            .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def test_a_build_attempt_is_claimed_by_exactly_one_worker(store: Store) -> None:
    build_id = _build(store)
    assert store.leases.claim(build_id, 1, "a@h1", 15)
    assert not store.leases.claim(build_id, 1, "b@h2", 15)  # a redelivered message
    assert not store.leases.claim(build_id, 2, "b@h2", 15)  # an attempt that does not exist
    assert store.builds.get(build_id).runner_host == "a@h1"


def test_a_cancel_before_any_worker_claims_ends_the_build_at_once(store: Store) -> None:
    build_id = _build(store)
    assert store.leases.cancel_if_queued(build_id, "cancelled early")
    record = store.builds.get(build_id)
    assert record.status == "cancelled" and record.cancel_requested
    assert not store.leases.claim(build_id, 1, "a@h1", 15)


def test_a_claimed_build_is_cancelled_through_a_request_its_worker_polls(store: Store) -> None:
    build_id = _build(store)
    assert store.leases.claim(build_id, 1, "a@h1", 15)
    assert not store.leases.cancel_if_queued(build_id, "too late")
    store.leases.request_cancel(build_id)
    assert store.leases.cancel_requested([build_id, 999]) == {build_id}


def test_an_expired_lease_is_retried_as_attempt_2_with_the_same_options(store: Store) -> None:
    build_id = _build(store)
    celery, redis, bus = FakeCelery(), FakeRedis(), EventBus()
    send_build(celery, redis, build_id, 1, BuildOptions(run_tests=False, no_cache=True))  # type: ignore[arg-type]
    assert store.leases.claim(build_id, 1, "a@h1", 15)
    store.builds.set_status(build_id, "building")
    store.builds.add_artifacts(build_id, [("app/main.py", b"x", "code")])
    assert sweep.sweep_expired(store, celery, redis, bus) == 0  # the lease still holds
    _expire(store, build_id)
    assert sweep.sweep_expired(store, celery, redis, bus) == 1  # type: ignore[arg-type]
    record = store.builds.get(build_id)
    assert (record.status, record.attempt, record.runner_host) == ("queued", 2, "team queue")
    assert store.builds.artifacts(build_id) == []  # attempt 2 writes them again
    assert celery.sent[-1] == (TASK, [build_id, 2, False, None, True], f"pixel-build-{build_id}-a2")
    assert "retrying as attempt 2" in "\n".join(store.builds.read_log(build_id))
    assert sweep.sweep_expired(store, celery, redis, bus) == 0  # handled once


def test_a_second_lost_attempt_ends_interrupted_with_a_message(store: Store) -> None:
    build_id = _build(store)
    celery, redis, bus = FakeCelery(), FakeRedis(), EventBus()
    redis.set(OPTIONS_KEY.format(build_id), json.dumps({"run_tests": True}))
    finished: list[BuildFinished] = []
    bus.subscribe(lambda e: finished.append(e) if isinstance(e, BuildFinished) else None)
    for attempt in (1, 2):
        assert store.leases.claim(build_id, attempt, f"w{attempt}@h", 15)
        store.builds.set_status(build_id, "building")
        _expire(store, build_id)
        sweep.sweep_expired(store, celery, redis, bus)  # type: ignore[arg-type]
    record = store.builds.get(build_id)
    assert record.status == "interrupted"
    assert "w2@h stopped while the build was building (attempt 2)" in (record.error_message or "")
    assert [f.status for f in finished] == ["interrupted"]


class _Docker:
    def __init__(self, up: bool = True) -> None:
        self.up = up

    def ping(self) -> Any:
        if not self.up:
            raise OSError("daemon down")
        return type("Info", (), {"version": "27.0"})()

    def close(self) -> None:
        pass


class _HeldPipeline:
    """Runs until cancelled or released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.jobs: list[Job] = []

    def run(self, job: Job) -> str:
        self.jobs.append(job)
        job.started = time.monotonic()
        while not self.release.wait(0.01):
            if job.cancel_event.is_set():
                return "cancelled"
        return "completed"


def _runtime(store: Store, docker: _Docker, pipeline: _HeldPipeline) -> Any:
    from pixel_desktop.jobs.team.worker import WorkerRuntime

    runtime = WorkerRuntime(
        store,
        Settings(),
        "redis://127.0.0.1:1/0",  # never reached: the fakes below stand in for Redis/Celery
        name="unit",
        docker_factory=lambda: docker,  # type: ignore[arg-type,return-value]
        pipeline=pipeline,
    )
    runtime.celery = FakeCelery()  # type: ignore[assignment]
    return runtime


def test_a_worker_polls_cancel_requests_of_its_running_builds(store: Store) -> None:
    build_id = _build(store)
    pipeline = _HeldPipeline()
    runtime = _runtime(store, _Docker(), pipeline)
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(runtime.run_build(build_id, 1)))
    thread.start()
    deadline = time.monotonic() + 10
    while not pipeline.jobs:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    store.leases.request_cancel(build_id)
    runtime._poll_cancels()
    thread.join(timeout=10)
    assert result == ["cancelled"]
    assert store.builds.get(build_id).runner_host == runtime.nodename


def test_a_worker_whose_daemon_is_down_stops_consuming_and_puts_the_build_back(
    store: Store,
) -> None:
    build_id = _build(store)
    pipeline = _HeldPipeline()
    runtime = _runtime(store, _Docker(up=False), pipeline)
    assert runtime.run_build(build_id, 1) == "requeued"
    assert pipeline.jobs == []  # never failed, never started
    assert store.builds.get(build_id).status == "queued"
    assert runtime.celery.consumer_calls == [f"cancel builds ['{runtime.nodename}']"]
    assert runtime.celery.sent[-1][1][:2] == [build_id, 1]
