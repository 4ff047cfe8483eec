"""`pixel serve` in team mode: the same API over the team runner. A build triggered over HTTP
runs on a `pixel worker` (real Celery, redis-server, PostgreSQL and Docker), its WebSocket
streams the worker's events from queued to the end, and the status names the worker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_helpers import KEYRING_ENV, follow, metric, serving
from team_services import lexical_project

from pixel_desktop.kinds import BUILD_STATUSES

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.keyring, pytest.mark.slow]




def test_a_build_triggered_over_http_runs_on_a_worker_and_streams_from_queued(
    tmp_path: Path, team_env: dict[str, str], start_worker: Any, secret_service: object
) -> None:
    env = {**os.environ, **team_env, **KEYRING_ENV}
    slug = lexical_project(tmp_path, team_env, "served-team")
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
