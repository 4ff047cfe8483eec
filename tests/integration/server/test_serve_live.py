"""`pixel serve` as a user runs it: a subprocess over the real Docker daemon and the real
keyring. A real build is triggered over HTTP, followed over the WebSocket from its first
event (queued) to its end, /metrics moves with it, and nothing answers without the token."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from pixel_desktop import paths
from pixel_desktop.kinds import BUILD_STATUSES
from pixel_desktop.spec import dump_spec, load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

pytestmark = [pytest.mark.docker, pytest.mark.keyring, pytest.mark.slow]
PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]
CEILING_S = 600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _metric(text: str, name: str) -> float:
    """A sample's value; 0 when the sample is absent (a counter label not seen yet)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


@pytest.fixture
def env(docker_host: str, base_image: str, secret_service: object) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "PIXEL_BROKER_URL"}  # local runner
    return {
        **base,
        "DOCKER_HOST": docker_host,
        "PIXEL_BASE_IMAGE": base_image,
        # The subprocesses use the same Secret Service the fixture made the active backend.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
    }


def pixel(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PIXEL, *args], capture_output=True, text=True, timeout=120, env=env)


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
    """(base URL, token) of a `pixel serve` subprocess on a free loopback port."""
    made = pixel(env, "serve", "--new-token")
    assert made.returncode == 0, made.stderr
    shown = pixel(env, "serve", "--show-token")
    assert shown.returncode == 0, shown.stderr
    token = shown.stdout.strip()
    assert token and token not in made.stdout  # only --show-token prints it
    port = _free_port()
    proc = subprocess.Popen(
        [*PIXEL, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "pixel serve did not answer /health"
            time.sleep(0.2)
        yield base, token
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def _follow(url: str, on_message: Any = None) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    with connect(url, open_timeout=30, close_timeout=10) as ws:
        while True:
            message = json.loads(ws.recv(timeout=CEILING_S))
            messages.append(message)
            if on_message is not None:
                on_message(message)
            if message["type"] in ("finished", "error"):
                return messages


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
    assert _metric(before, "build_duration_seconds_count") == 0

    answer = httpx.post(f"{base}/builds/trigger/{slug}", headers=auth, json={"run_tests": False})
    assert answer.status_code == 202, answer.text
    build_id = answer.json()["id"]

    active_while_building: list[float] = []

    def check_metrics_while_running(message: dict[str, Any]) -> None:
        if message["type"] == "phase" and message["phase"] == "building" and not active_while_building:
            text = httpx.get(f"{base}/metrics", headers=auth).text
            active_while_building.append(_metric(text, "active_builds"))

    messages = _follow(f"{ws_base}/builds/{build_id}/updates?token={token}", check_metrics_while_running)

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
    assert _metric(after, 'builds_total{status="completed"}') == 1
    assert _metric(after, "build_duration_seconds_count") == 1
    assert _metric(after, "build_duration_seconds_sum") > 0
    assert _metric(after, "active_builds") == 0

    status = httpx.get(f"{base}/builds/status/{build_id}", headers=auth).json()
    assert status["status"] == "completed"
    assert status["image"] and status["image"].endswith(f":b{build_id}")
    assert status["started_at"] and status["completed_at"] and status["duration_s"] > 0
    assert "runner" in status and "digest" in status
    assert any("Step 1/" in line for line in status["logs"])
    listed = httpx.get(f"{base}/builds", headers=auth, params={"slug": slug}).json()
    assert [b["id"] for b in listed] == [build_id]

    # A client that comes after the end gets the same events from the first one on.
    again = _follow(f"{ws_base}/builds/{build_id}/updates?token={token}")
    assert again == messages
