"""`pixel serve` in team mode: the same API over the team runner. A build triggered over HTTP
runs on a `pixel worker` (real Celery, redis-server, PostgreSQL and Docker), its WebSocket
streams the worker's events from queued to the end, and the status names the worker."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_helpers import KEYRING_ENV, follow, metric, serving

from pixel_desktop.kinds import BUILD_STATUSES

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.keyring, pytest.mark.slow]


def _team_fixtures() -> Any:
    """The team-mode fixtures of tests/integration/jobs (redis-server, PostgreSQL database,
    workers), loaded under their own module name so the two conftest modules never clash."""
    path = Path(__file__).resolve().parents[1] / "jobs" / "conftest.py"
    spec = importlib.util.spec_from_file_location("team_fixtures_for_serve", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_team = _team_fixtures()
redis_server = _team.redis_server
team_store_url = _team.team_store_url
team_env = _team.team_env
start_worker = _team.start_worker


def test_a_build_triggered_over_http_runs_on_a_worker_and_streams_from_queued(
    tmp_path: Path, team_env: dict[str, str], start_worker: Any, secret_service: object
) -> None:
    env = {**os.environ, **team_env, **KEYRING_ENV}
    slug = _team.lexical_project(tmp_path, team_env, "served-team")
    worker = start_worker("gamma")
    with serving(env) as (base, token):
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/builds", headers={}).status_code == 401
        answer = httpx.post(
            f"{base}/builds/trigger/{slug}", headers=auth, json={"run_tests": False}
        )
        assert answer.status_code == 202, answer.text
        build_id = answer.json()["id"]
        ws = base.replace("http://", "ws://")
        messages = follow(f"{ws}/builds/{build_id}/updates?token={token}")

        assert messages[0]["type"] == "phase" and messages[0]["phase"] == "queued"
        assert messages[-1]["type"] == "finished"
        assert messages[-1]["status"] == "completed", messages[-1]
        phases = [m["phase"] for m in messages if m["type"] == "phase"]
        assert "building" in phases
        assert [BUILD_STATUSES.index(p) for p in phases] == sorted(
            BUILD_STATUSES.index(p) for p in phases
        )
        assert any(m["type"] == "log" and "Step 1/" in m["text"] for m in messages)

        status = httpx.get(f"{base}/builds/status/{build_id}", headers=auth).json()
        assert status["status"] == "completed"
        assert status["runner"] == worker.node
        text = httpx.get(f"{base}/metrics", headers=auth).text
        assert metric(text, 'builds_total{status="completed"}') == 1
        assert metric(text, "build_duration_seconds_count") == 1
        assert metric(text, "active_builds") == 0
