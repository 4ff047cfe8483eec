"""Team mode end to end: real redis-server, real Celery workers (`pixel worker` subprocesses
with their own PIXEL_HOME and names), real PostgreSQL and the real Docker daemon."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from services import docker_cli
from team_services import RedisServer, Worker, _free_port, lexical_project, pixel, team_app

from pixel_desktop.events import BuildFinished, Event, JobRef, LogLine

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.slow]
BUILD_S = 300


def _wait_status(app: Any, build_id: int, statuses: set[str], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        record = app.builds.get(build_id)
        if record.status in statuses:
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"build {build_id} stayed {record.status}, wanted {statuses}")
        time.sleep(0.2)


def _containers_of(docker_host: str, build_id: int, slug: str) -> list[str]:
    """Containers of this build (other tests' stores have builds with the same id, so the
    image, which names the project, tells them apart)."""
    out = docker_cli(
        docker_host, "ps", "-a", "--filter", f"label=pixel.build-id={build_id}",
        "--format", "{{.ID}} {{.Image}}",
    ).stdout.splitlines()
    return [line.split()[0] for line in out if f"/{slug}:" in line]


def test_two_workers_run_builds_submitted_from_a_third_process_and_logs_read_back(
    tmp_path: Path,
    team_env: dict[str, str],
    start_worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slugs = [lexical_project(tmp_path, team_env, f"team-two-{i}") for i in range(2)]
    metrics_port = _free_port()
    first: Worker = start_worker("alpha", "--metrics-port", str(metrics_port))
    second: Worker = start_worker("beta")
    with team_app(team_env, monkeypatch) as app:
        events: dict[int, list[Event]] = {}
        refs = [app.builds.submit(slug, run_tests=False) for slug in slugs]
        done = threading.Event()
        for ref in refs:
            events[ref.id] = []
            app.bus.subscribe_job(ref, events[ref.id].append)
        records = [app.builds.wait(ref, timeout=BUILD_S) for ref in refs]
        done.set()
        assert [r.status for r in records] == ["completed", "completed"], [
            r.error_message for r in records
        ]
        assert {r.runner_host for r in records} == {first.node, second.node}
        for record in records:
            log = app.builds.log(record.id)
            assert f"attempt 1 on worker {record.runner_host}" in "\n".join(log)
            assert any(line.startswith("COMPLETED in") for line in log)
            live = events[record.id]
            assert any(isinstance(e, LogLine) for e in live)  # came over Redis pub/sub
            assert isinstance(live[-1], BuildFinished) and live[-1].status == "completed"
            assert live[-1].job == JobRef("build", record.id)
        deadline = time.monotonic() + 15  # workers refresh their announcement every 5 s
        while True:
            team = app.jobs.team_status()
            assert team is not None and team.broker_error is None
            if all(w.running == [] for w in team.workers) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert {w.name for w in team.workers} == {first.node, second.node}
        assert all(w.docker_version and w.running == [] for w in team.workers)
        assert team.queue_depth == 0
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert 'builds_total{status="completed"} 1.0' in metrics  # alpha ran one of the two
        assert "active_builds 0.0" in metrics
        assert "build_duration_seconds_count 1.0" in metrics
        followed = pixel("builds", "show", str(records[0].id), "--follow", env=team_env)
        assert followed.returncode == 0, followed.stderr
        assert f"Build {records[0].id} completed on {records[0].runner_host}" in followed.stdout
        assert "\n".join(app.builds.log(records[0].id)) in followed.stdout


def test_cancel_from_the_submitter_stops_a_build_on_a_worker_within_5_s_leaving_no_containers(
    tmp_path: Path,
    team_env: dict[str, str],
    start_worker: Any,
    docker_host: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Thousands of conversation tests that always pass: the build stays in its test phase
    # far longer than a cancel takes. (The sample's own tests are written for semantic
    # retrieval; on this lexical project one failed within a second or two, and the build
    # ended failed whenever that came before the cancel.)
    slug = lexical_project(
        tmp_path, team_env, f"team-cancel-{uuid.uuid4().hex[:6]}",
        tests=[{"ask": f"question {i}", "expect_contains": []} for i in range(5000)],
    )
    start_worker("gamma")
    with team_app(team_env, monkeypatch) as app:
        ref = app.builds.submit(slug, run_tests=True, no_cache=True)
        _wait_status(app, ref.id, {"testing"}, BUILD_S)
        deadline = time.monotonic() + 60
        while not _containers_of(docker_host, ref.id, slug):  # the worker's test container
            assert time.monotonic() < deadline, "no test container appeared"
            time.sleep(0.1)
        asked = time.monotonic()
        print(app.builds.cancel(ref.id))
        record = _wait_status(app, ref.id, {"cancelled", "failed", "completed"}, 30)
        took = time.monotonic() - asked
        assert record.status == "cancelled", record.error_message
        assert took <= 5.0, f"cancel took {took:.1f} s"
        assert _containers_of(docker_host, ref.id, slug) == []


def test_a_worker_killed_mid_build_has_its_build_retried_on_another_worker(
    tmp_path: Path,
    team_env: dict[str, str],
    start_worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slug = lexical_project(tmp_path, team_env, "team-kill")
    doomed: Worker = start_worker("doomed")
    with team_app(team_env, monkeypatch) as app:
        # The sample's conversation tests are written for semantic retrieval; this lexical
        # project is only built (killed while Docker builds it).
        ref = app.builds.submit(slug, run_tests=False, no_cache=True)
        _wait_status(app, ref.id, {"building"}, BUILD_S)
        rescuer: Worker = start_worker("rescuer")
        doomed.kill()
        killed = time.monotonic()
        deadline = killed + 60
        while True:
            record = app.builds.get(ref.id)
            if record.attempt == 2 or record.status == "interrupted":
                break
            assert time.monotonic() < deadline, f"build still {record.status} 60 s after SIGKILL"
            time.sleep(0.5)
        record = app.builds.wait(ref, timeout=BUILD_S)
        assert record.status == "completed", record.error_message
        assert record.attempt == 2
        assert record.runner_host == rescuer.node
        log = "\n".join(app.builds.log(ref.id))
        assert f"attempt 1 lost: {doomed.node} stopped renewing its lease" in log
        assert f"attempt 2 on worker {rescuer.node}" in log


def test_a_worker_whose_docker_daemon_is_down_takes_no_build_and_another_worker_does(
    tmp_path: Path,
    team_env: dict[str, str],
    start_worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slug = lexical_project(tmp_path, team_env, "team-no-daemon")
    team_env["DOCKER_HOST"] = f"unix://{tmp_path}/no-docker.sock"  # this worker's daemon is down
    blind: Worker = start_worker("blind")
    team_env["DOCKER_HOST"] = os.environ.get("PIXEL_TEST_DOCKER_HOST", "unix:///var/run/docker.sock")
    with team_app(team_env, monkeypatch) as app:
        ref = app.builds.submit(slug, run_tests=False)
        time.sleep(12)  # several of the blind worker's daemon checks
        record = app.builds.get(ref.id)
        assert (record.status, record.runner_host) == ("queued", "team queue")
        status = app.jobs.team_status()
        assert status is not None
        assert [w.docker_version for w in status.workers if w.name == blind.node] == [None]
        sighted: Worker = start_worker("sighted")
        record = app.builds.wait(ref, timeout=BUILD_S)
        assert record.status == "completed", record.error_message
        assert record.runner_host == sighted.node
        assert record.attempt == 1  # never failed or retried on the blind worker


def test_restarting_redis_loses_no_queued_build_and_the_submitter_recovers(
    tmp_path: Path,
    team_env: dict[str, str],
    redis_server: RedisServer,
    start_worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pixel_desktop.errors import PixelError

    slugs = [lexical_project(tmp_path, team_env, f"team-redis-{i}") for i in range(2)]
    with team_app(team_env, monkeypatch) as app:
        refs = [app.builds.submit(slug, run_tests=False) for slug in slugs]  # no worker yet
        redis_server.stop()
        with pytest.raises(PixelError, match="broker unreachable"):
            app.builds.submit(slugs[0], run_tests=False)
        deadline = time.monotonic() + 10
        while app.jobs.runner.broker_problem is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (app.jobs.runner.broker_problem or "").startswith("broker unreachable")
        redis_server.start()
        start_worker("after-restart")
        records = [app.builds.wait(ref, timeout=BUILD_S) for ref in refs]
        assert [r.status for r in records] == ["completed", "completed"]
        again = app.builds.submit(slugs[1], run_tests=False)  # recovered
        assert app.builds.wait(again, timeout=BUILD_S).status == "completed"
        deadline = time.monotonic() + 10
        while app.jobs.runner.broker_problem is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert app.jobs.runner.broker_problem is None


def test_a_broker_with_a_sqlite_store_is_refused_in_one_sentence(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    result = pixel("build", "anything", env={"PIXEL_BROKER_URL": redis_server.url})
    assert result.returncode == 2
    assert "team mode needs a shared PostgreSQL store" in result.stderr
    assert result.stderr.count("\n") == 1
