"""Is a deployed version healthy: the health-endpoint poll, the container liveness check,
and the one-shot sample behind the GUI chart.

Every check here uses ``kinds.health_answer_ok`` (the one definition of a healthy answer,
shared with the build's container test) or the container's own Docker HEALTHCHECK state.
The poll checks a cancel token between tries, so a cancelled deploy stops waiting at once
instead of after the health timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import httpx

from pixel_desktop.deploy import config as cfg
from pixel_desktop.deploy import hosts
from pixel_desktop.deploy.events import DeploySample
from pixel_desktop.kinds import CONTAINER_HEALTHY, CONTAINER_UNHEALTHY, health_answer_ok
from pixel_desktop.store.records import ProjectRecord, TargetRecord

POLL_S = 0.5

HttpGet = Callable[[str, float], int]
"""GET ``url`` with a timeout and return the status code (raise ``httpx.HTTPError`` when
there is no answer); injectable so tests answer for fake containers."""

Alive = Callable[[], "str | None"]
"""None while the container may still become healthy, else why it never will."""


class Cancelled(Exception):
    """Raised inside a poll when the job's cancel token is set; the strategy that started the
    poll turns it into a ``DeployCancelled`` saying what it left running."""


class CancelToken(Protocol):
    def __call__(self) -> bool:
        """True once the job was asked to stop."""
        ...


class ContainerStates(Protocol):
    """What the liveness check needs from a Docker client."""

    def container_state(self, cid: str) -> _State: ...

    def container_logs(self, cid: str, tail: int = 20) -> str: ...


class _State(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def exit_code(self) -> int: ...
    @property
    def health(self) -> str | None: ...


def http_status(url: str, timeout: float) -> int:
    return httpx.get(url, timeout=timeout).status_code


def never_cancelled() -> bool:
    return False


def wait_healthy(
    http_get: HttpGet,
    url: str,
    path: str,
    *,
    timeout_s: float,
    alive: Alive = lambda: None,
    passed: Callable[[], bool] | None = None,
    cancelled: CancelToken = never_cancelled,
) -> str | None:
    """None when ``url+path`` gives a healthy answer (or ``passed()`` says so) within
    ``timeout_s``; else the reason. Raises ``Cancelled`` when the token is set."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        if cancelled():
            raise Cancelled
        dead = alive()
        if dead:
            return dead
        if passed is not None and passed():
            return None
        try:
            code = http_get(url + path, 3.0)
            if health_answer_ok(code):
                return None
            last = f"HTTP {code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(POLL_S)
    return f"{url}{path} did not answer 200 within {timeout_s:.0f} s (last: {last})"


def alive_check(docker: ContainerStates, cid: str) -> Alive:
    """A liveness check for ``wait_healthy``: the container stopped, or its own HEALTHCHECK
    reports unhealthy."""

    def alive() -> str | None:
        st = docker.container_state(cid)
        if st.status in ("exited", "dead", "missing"):
            tail = docker.container_logs(cid, tail=10).strip().splitlines()[-3:]
            return f"the container stopped (exit code {st.exit_code}){': ' + ' | '.join(tail) if tail else ''}"
        if st.health == CONTAINER_UNHEALTHY:
            return "the container's own HEALTHCHECK reports unhealthy"
        return None

    return alive


def reports_healthy(docker: ContainerStates, cid: str) -> Callable[[], bool]:
    """The container's own HEALTHCHECK says healthy (a firewall may keep its port from us)."""
    return lambda: docker.container_state(cid).health == CONTAINER_HEALTHY


def public_url(project: ProjectRecord, target: TargetRecord) -> str:
    """The URL the app shows and health-checks: it reaches the port where it is bound."""
    return f"http://{hosts.publish_binding(target).url_host}:{project.spec.deployment.port}"


class Sampled(Protocol):
    def list_containers(self, labels: dict[str, str]) -> Sequence[_Container]: ...

    def stats_once(self, cid: str) -> tuple[float, int, int] | None: ...


class _Container(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def state(self) -> str: ...


def sample(
    docker: Sampled, project: ProjectRecord, target: TargetRecord, http_get: HttpGet
) -> DeploySample:
    """One CPU/memory/health-latency sample of the live deployment (for the GUI chart)."""
    slug = project.slug
    running = [c for c in docker.list_containers({"pixel.project": slug}) if c.state == "running"]
    stats = docker.stats_once(running[0].id) if running else None
    cpu, mem, limit = stats or (0.0, 0, 0)  # None: the container went away since the listing
    url = public_url(project, target)
    t0 = time.monotonic()
    try:
        code = http_get(url + cfg.health_path(project.spec), 5.0)
    except httpx.HTTPError:
        code = 0
    ok = health_answer_ok(code)
    latency = (time.monotonic() - t0) * 1000.0 if ok else None
    return DeploySample(slug, target.name, cpu, mem, limit, latency, ok)
