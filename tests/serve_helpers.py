"""`pixel serve` as a subprocess for the live tests here: start it on a free loopback port
with a fresh token from the real keyring, follow a build's WebSocket, read /metrics."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
from websockets.sync.client import connect

PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]
CEILING_S = 600
# The subprocesses use the Secret Service that the secret_service fixture made the active backend.
KEYRING_ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pixel(env: dict[str, str], *args: str, command: Sequence[str] = PIXEL) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120, env=env)


def metric(text: str, name: str) -> float:
    """A sample's value; 0 when the sample is absent (a counter label not seen yet)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


@contextlib.contextmanager
def serving(env: dict[str, str], command: Sequence[str] = PIXEL) -> Iterator[tuple[str, str]]:
    """(base URL, token) of a `pixel serve` subprocess; Ctrl-C stops it, and it must exit 0.
    ``command``: another `pixel` (the frozen bundle's)."""
    made = pixel(env, "serve", "--new-token", command=command)
    assert made.returncode == 0, made.stderr
    shown = pixel(env, "serve", "--show-token", command=command)
    assert shown.returncode == 0, shown.stderr
    token = shown.stdout.strip()
    assert token and token not in made.stdout  # only --show-token prints it
    port = free_port()
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
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
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]


def follow(
    url: str, on_message: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Every message of a build's update socket, up to and including ``finished``."""
    messages: list[dict[str, Any]] = []
    with connect(url, open_timeout=30, close_timeout=10) as ws:
        while True:
            message = json.loads(ws.recv(timeout=CEILING_S))
            messages.append(message)
            if on_message is not None:
                on_message(message)
            if message["type"] in ("finished", "error"):
                return messages
