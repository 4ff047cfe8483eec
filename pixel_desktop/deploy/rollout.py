"""The seam between the deploy service and its strategies: what one rollout is given.

A strategy (``single_host.py``, ``swarm.py``) is a function of a ``Rollout``: the connected
target, the plan, the runtime env, the deployment id, a way to report progress, the health
settings and the job's cancel token. The service owns everything around it (planning, the
per-target lock, the record, redaction); a strategy owns only the order of Docker calls and
what state it leaves when it fails or is cancelled.

Outcomes a strategy signals by raising:
- ``RolledBack``: the new version failed and the previous one is serving (record ``rolled_back``);
- ``DeployCancelled``: the job was cancelled; its message says what was left running
  (record ``cancelled``);
- any other ``PixelError``: the deploy failed (record ``failed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pixel_desktop.deploy.health import Alive, Cancelled, CancelToken, HttpGet, never_cancelled
from pixel_desktop.deploy.health import wait_healthy as _wait_healthy
from pixel_desktop.deploy.plan import Plan
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.errors import DeployError

Emit = Callable[[str, str], None]
"""(stage, message): report progress; the service redacts, logs and publishes it."""


class RolledBack(DeployError):
    """The new version failed and the previous one was restored."""


class DeployCancelled(DeployError):
    """The deploy job was cancelled; the message says what it left running."""


@dataclass
class Rollout:
    docker: DockerClient
    plan: Plan
    env: dict[str, str]
    deployment_id: int
    url: str
    emit: Emit
    http_get: HttpGet
    health_timeout_s: float
    swarm_timeout_s: float
    registry_auth: Callable[[], dict[str, str] | None]
    cancelled: CancelToken = field(default=never_cancelled)

    def checkpoint(self, left_running: str) -> None:
        """Stop here if the job was cancelled, saying what is left running on the target."""
        if self.cancelled():
            raise DeployCancelled(f"Cancelled: {left_running}")

    def wait_healthy(
        self,
        url: str,
        path: str,
        *,
        timeout_s: float | None = None,
        alive: Alive = lambda: None,
        passed: Callable[[], bool] | None = None,
    ) -> str | None:
        """``health.wait_healthy`` with this rollout's HTTP getter and cancel token; raises
        ``health.Cancelled`` when cancelled (the caller restores state, then says so)."""
        return _wait_healthy(
            self.http_get,
            url,
            path,
            timeout_s=self.health_timeout_s if timeout_s is None else timeout_s,
            alive=alive,
            passed=passed,
            cancelled=self.cancelled,
        )


__all__ = ["Cancelled", "DeployCancelled", "Emit", "RolledBack", "Rollout"]
