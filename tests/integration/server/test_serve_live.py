"""`pixel serve` as a user runs it: a subprocess over the real Docker daemon and the real
keyring. A real build is triggered over HTTP, followed over the WebSocket from its first
event (queued) to its end, /metrics moves with it, and nothing answers without the token."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_helpers import KEYRING_ENV, follow, metric, pixel, serving
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from pixel_desktop import paths
from pixel_desktop.kinds import BUILD_STATUSES
from pixel_desktop.spec import dump_spec, load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

pytestmark = [pytest.mark.docker, pytest.mark.keyring, pytest.mark.slow]


@pytest.fixture
def env(docker_host: str, base_image: str, secret_service: object) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "PIXEL_BROKER_URL"}  # local runner
    return {**base, **KEYRING_ENV, "DOCKER_HOST": docker_host, "PIXEL_BASE_IMAGE": base_image}


@pytest.fixture
def slug(tmp_path: Path, env: dict[str, str]) -> str:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    data["slug"] = f"served-{uuid.uuid4().hex[:6]}"
    file = tmp_path / "served.yaml"
    file.write_text(dump_spec(spec_from_data(data)), encoding="utf-8")
    imported = pixel(env, "projects", "import", str(file))
    assert imported.returncode == 0, imported.stderr
    return data["slug"]


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    with serving(env) as served:
        yield served


def test_a_triggered_build_streams_its_events_in_order_and_moves_the_metrics(
    server: tuple[str, str], slug: str
) -> None:
    base, token = server
    auth = {"Authorization": f"Bearer {token}"}
    ws_base = base.replace("http://", "ws://")

    # Refused without the token (or with a wrong one); /health needs none.
    assert httpx.get(f"{base}/health").status_code == 200
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        assert httpx.get(f"{base}/builds", headers=headers).status_code == 401
        assert httpx.get(f"{base}/metrics", headers=headers).status_code == 401
        assert httpx.post(f"{base}/builds/trigger/{slug}", headers=headers).status_code == 401
    assert httpx.get(f"{base}/builds", headers=auth).json() == []  # nothing was triggered
    with pytest.raises(InvalidStatus):
        connect(f"{ws_base}/builds/1/updates?token=wrong", open_timeout=30)
    assert httpx.post(f"{base}/builds/trigger/no-such-bot", headers=auth).status_code == 404

    before = httpx.get(f"{base}/metrics", headers=auth).text
    assert "# TYPE builds_total counter" in before
    assert metric(before, "build_duration_seconds_count") == 0

    answer = httpx.post(f"{base}/builds/trigger/{slug}", headers=auth, json={"run_tests": False})
    assert answer.status_code == 202, answer.text
    build_id = answer.json()["id"]

    active_while_building: list[float] = []

    def check_metrics_while_running(message: dict[str, Any]) -> None:
        if message["type"] == "phase" and message["phase"] == "building" and not active_while_building:
            text = httpx.get(f"{base}/metrics", headers=auth).text
            active_while_building.append(metric(text, "active_builds"))

    messages = follow(f"{ws_base}/builds/{build_id}/updates?token={token}", check_metrics_while_running)

    assert messages[0] == {**messages[0], "type": "phase", "phase": "queued", "build_id": build_id}
    assert messages[-1]["type"] == "finished"
    assert messages[-1]["status"] == "completed", messages[-1]
    phases = [m["phase"] for m in messages if m["type"] == "phase"]
    assert phases[-1] == "completed"
    assert [BUILD_STATUSES.index(p) for p in phases] == sorted(BUILD_STATUSES.index(p) for p in phases)
    assert {"generating", "building"} <= set(phases)
    assert any(m["type"] == "log" and "Step 1/" in m["text"] for m in messages)
    assert any(m["type"] == "step" for m in messages)
    stamps = [m["ts"] for m in messages]
    assert stamps == sorted(stamps)  # in the order they happened
    assert all(m["build_id"] == build_id for m in messages)
    assert active_while_building == [1.0]

    after = httpx.get(f"{base}/metrics", headers=auth).text
    assert metric(after, 'builds_total{status="completed"}') == 1
    assert metric(after, "build_duration_seconds_count") == 1
    assert metric(after, "build_duration_seconds_sum") > 0
    assert metric(after, "active_builds") == 0

    status = httpx.get(f"{base}/builds/status/{build_id}", headers=auth).json()
    assert status["status"] == "completed"
    assert status["image"] and status["image"].endswith(f":b{build_id}")
    assert status["started_at"] and status["completed_at"] and status["duration_s"] > 0
    assert status["runner"]  # this machine: the build ran in the server's own runner
    assert "digest" in status
    assert any("Step 1/" in line for line in status["logs"])
    listed = httpx.get(f"{base}/builds", headers=auth, params={"slug": slug}).json()
    assert [b["id"] for b in listed] == [build_id]

    # A client that comes after the end gets the same events from the first one on.
    again = follow(f"{ws_base}/builds/{build_id}/updates?token={token}")
    assert again == messages
