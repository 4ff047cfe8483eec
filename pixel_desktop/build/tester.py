"""Container test of a freshly built image: health, conversation tests, /chat and /metrics smoke.

Why a separate module: the HTTP checks are pure (httpx against a base URL) and unit-testable
against any ASGI/HTTP server. ``started_container`` is the one way the app runs a built image
for checking it (the build's container test, ``pixel eval``): started on a free 127.0.0.1
port, and removed on every exit path, failure, cancel and Ctrl+C included.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import httpx

from pixel_desktop.errors import BuildError, CancelledError, SecretStoreError
from pixel_desktop.kinds import health_answer_ok
from pixel_desktop.secrets import SecretsOwner
from pixel_desktop.spec import ProjectSpec
from pixel_desktop.spec.runtime import used_secret_env


class ContainerHost(Protocol):
    """What running a check container needs from the Docker client."""

    def run_container(
        self,
        image: str,
        *,
        container_port: int | None = None,
        environment: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
    ) -> tuple[str, int | None]: ...

    def remove_container(self, container_id: str) -> None: ...

    def container_running(self, container_id: str) -> bool: ...

    def container_logs(self, container_id: str, tail: int = 200) -> str: ...


class ProjectSecrets(Protocol):
    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None: ...


def runtime_env(
    project: SecretsOwner,
    spec: ProjectSpec,
    secrets: ProjectSecrets,
    *,
    on_log: Callable[[str], None],
) -> tuple[dict[str, str], list[str]]:
    """(env, secret values to redact) for a check container: plain env + keyring secrets.

    ``project`` is the project record: its secrets are keyed by its secrets_key, never by
    its slug (secrets.py). A missing or locked keyring only leaves that variable
    out: the check also proves the offline behaviour, so it must not be blocked by a secret
    it can run without.
    """
    env = dict(spec.deployment.env_vars)
    redact: list[str] = []
    used = used_secret_env(spec)
    for name in spec.deployment.secret_env:
        try:
            value = secrets.get_project_secret(project, name)
        except SecretStoreError as exc:
            on_log(f"secret env {name} unavailable ({exc.message}); running without it")
            continue
        if value:
            env[name] = value
            redact.append(value)
        elif name in used:
            on_log(f"secret env {name} is not set in the keyring; running without it")
        else:  # declared, but nothing in the service reads it: no warning
            on_log(f"secret env {name} is not set (the service does not read it: llm.provider is {spec.llm.provider})")
    return env, redact


@dataclass(frozen=True, slots=True)
class RunningContainer:
    id: str
    base_url: str  # http://127.0.0.1:<published port>


@contextlib.contextmanager
def started_container(
    docker: ContainerHost,
    image: str,
    *,
    port: int,
    environment: dict[str, str],
    labels: dict[str, str],
    on_log: Callable[[str], None],
    what: str = "test container",
) -> Iterator[RunningContainer]:
    """Run ``image`` with ``port`` published on a free 127.0.0.1 port; remove it on exit."""
    container_id, host_port = docker.run_container(
        image, container_port=port, environment=environment, labels=labels
    )
    try:
        if host_port is None:
            raise BuildError(f"Docker published no host port for port {port} of {image}.")
        base_url = f"http://127.0.0.1:{host_port}"
        on_log(f"{what} {container_id[:12]} on {base_url}")
        yield RunningContainer(container_id, base_url)
    finally:
        try:
            docker.remove_container(container_id)
        except KeyboardInterrupt:  # a second Ctrl+C while removing must not leave it running
            docker.remove_container(container_id)
            raise
        on_log(f"{what} {container_id[:12]} removed")


def wait_healthy(
    base_url: str,
    health_path: str,
    *,
    timeout_s: float,
    cancel: threading.Event,
    still_running: Callable[[], bool] = lambda: True,
    logs: Callable[[], str] = lambda: "",
    what: str = "test container",
    cancel_message: str = "The build was cancelled during the container test.",
) -> dict:
    """Poll ``health_path`` until it answers 200 with status ok, or fail with the container log."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    with httpx.Client(timeout=3.0) as client:
        while True:
            if cancel.is_set():
                raise CancelledError(cancel_message)
            try:
                resp = client.get(base_url + health_path)
                if health_answer_ok(resp.status_code):
                    data = resp.json()
                    if health_answer_ok(resp.status_code, data, body_read=True):
                        return data
                    last = f"answered {resp.text[:200]!r}"
                else:
                    last = f"answered HTTP {resp.status_code}"
            except (httpx.HTTPError, ValueError) as exc:
                last = f"{exc.__class__.__name__}: {exc}"
            if not still_running():
                raise BuildError(
                    f"The {what} exited before becoming healthy. Last log lines:\n"
                    + logs().strip()[-2000:]
                )
            if time.monotonic() > deadline:
                raise BuildError(
                    f"The {what} was not healthy on {health_path} within {timeout_s:.0f} s "
                    f"({last}). Last log lines:\n{logs().strip()[-2000:]}"
                )
            cancel.wait(0.5)


def run_conversation_tests(
    base_url: str, spec: ProjectSpec, *, on_log: Callable[[str], None], cancel: threading.Event
) -> int:
    """Run every ``tests:`` entry of the spec; the first failure raises with question/expected/reply."""
    chat = spec.deployment.endpoints.chat
    passed = 0
    with httpx.Client(timeout=30.0) as client:
        for i, test in enumerate(spec.tests, 1):
            if cancel.is_set():
                raise CancelledError("The build was cancelled during the container test.")
            resp = client.post(base_url + chat, json={"message": test.ask})
            if resp.status_code != 200:
                raise BuildError(
                    f"Conversation test {i} failed: asking {test.ask!r} returned HTTP "
                    f"{resp.status_code}: {resp.text[:500]}"
                )
            data = resp.json()
            reply = str(data.get("reply", ""))
            missing = [e for e in test.expect_contains if e.lower() not in reply.lower()]
            if missing:
                raise BuildError(
                    f"Conversation test {i} failed: asked {test.ask!r}, expected the reply to "
                    f"contain {missing[0]!r}, got {reply!r}."
                )
            if test.expect_handoff is not None and bool(data.get("handoff")) != test.expect_handoff:
                raise BuildError(
                    f"Conversation test {i} failed: asked {test.ask!r}, expected handoff="
                    f"{test.expect_handoff}, got handoff={data.get('handoff')} (reply {reply!r})."
                )
            passed += 1
            on_log(f"test {i}/{len(spec.tests)} passed: {test.ask!r}")
    return passed


def smoke(base_url: str, spec: ProjectSpec, *, on_log: Callable[[str], None]) -> None:
    """/chat answers a question and rejects bad input with 4xx; /metrics serves Prometheus text."""
    chat = spec.deployment.endpoints.chat
    with httpx.Client(timeout=30.0) as client:
        # No session_id: the service issues one (a made-up id is refused with 404).
        resp = client.post(base_url + chat, json={"message": "Hello"})
        if resp.status_code != 200:
            raise BuildError(f"Smoke test failed: POST {chat} returned HTTP {resp.status_code}.")
        data = resp.json()
        for key in ("reply", "session_id", "handoff"):
            if key not in data:
                raise BuildError(f"Smoke test failed: POST {chat} reply has no {key!r} field.")
        again = client.post(base_url + chat, json={"message": "Hello", "session_id": data["session_id"]})
        if again.status_code != 200:
            raise BuildError(
                f"Smoke test failed: POST {chat} with the session_id it issued returned HTTP {again.status_code}."
            )
        bad = client.post(base_url + chat, json={"nope": 1})
        if not 400 <= bad.status_code < 500:
            raise BuildError(
                f"Smoke test failed: POST {chat} with invalid input returned HTTP "
                f"{bad.status_code} instead of a 4xx."
            )
        metrics = client.get(base_url + "/metrics")
        if metrics.status_code != 200 or "# TYPE" not in metrics.text:
            raise BuildError(
                f"Smoke test failed: GET /metrics returned HTTP {metrics.status_code} without "
                "Prometheus text."
            )
    on_log(f"smoke passed: {chat}, {chat} (bad input → {bad.status_code}), /metrics")
