"""`pixel targets check`: can this target take a deployment right now, and if not, why.

Checks, in order: the daemon answers (and for SSH the host key is trusted), its version,
Swarm state for swarm targets, whether the project's port is taken by something that is not
ours, and free disk on Docker's data root. The verdict is one line a person can act on.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.errors import PixelError
from pixel_desktop.store.records import TargetRecord

MIN_FREE_BYTES = 2 * 1024**3


@dataclass(frozen=True, slots=True)
class TargetCheck:
    name: str
    docker_host: str
    kind: str
    reachable: bool
    docker_version: str | None = None
    api_version: str | None = None
    os_arch: str | None = None
    swarm_state: str | None = None
    port: int = 8000
    port_free: bool | None = None
    port_users: list[str] = field(default_factory=list)
    disk_free_bytes: int | None = None
    images_bytes: int | None = None
    reclaimable_bytes: int | None = None
    problems: list[str] = field(default_factory=list)
    ok: bool = False
    verdict: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local_port_answers(port: int) -> bool:
    """Docker only knows its own published ports; on a local target also try the port."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def _gb(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 1024**3:.1f} GB"


def check_target(
    target: TargetRecord,
    *,
    port: int,
    connect: Callable[[str, str | None], DockerClient],
    project_slug: str | None = None,
) -> TargetCheck:
    problems: list[str] = []
    try:  # connecting and every question asked: one unreachable verdict
        with connect(target.docker_host, target.name) as docker:
            info = docker.ping()
            details = docker.info()
            swarm = str((details.get("Swarm") or {}).get("LocalNodeState") or "inactive")
            users = docker.port_users(port)
            own = [u for u in users if project_slug and f"pixel-{project_slug}" in u]
            users = [u for u in users if u not in own]
            df = docker.disk_usage()
            images_bytes = int(df.get("LayersSize") or 0)
            reclaimable = sum(
                int(i.get("Size") or 0) for i in df.get("Images") or [] if not i.get("Containers")
            )
            free = docker.free_disk_bytes(str(details.get("DockerRootDir") or "/var/lib/docker"))
    except PixelError as exc:
        return TargetCheck(
            target.name,
            target.docker_host,
            target.kind,
            False,
            port=port,
            problems=[exc.message],
            ok=False,
            verdict=f"NOT READY: {exc.message}",
        )
    if target.kind == "swarm" and swarm != "active":
        problems.append(
            f"Swarm is {swarm}: run `docker swarm init` on the host or use --kind docker"
        )
    # The project's own container answers on its port too: that is the one a deploy replaces.
    if not users and not own and target.docker_host.startswith("unix://") and _local_port_answers(port):
        users = ["a process outside Docker on this machine"]
    if users:
        problems.append(f"port {port} is used by {', '.join(users)}")
    if free is not None and free < MIN_FREE_BYTES:
        problems.append(f"only {_gb(free)} free on Docker's disk (want {_gb(MIN_FREE_BYTES)})")
    summary = (
        f"Docker {info.version} ({info.os}/{info.arch}), port {port} "
        f"{'taken' if users else 'held by this project (replaced on deploy)' if own else 'free'}, "
        f"disk free {_gb(free)}"
    )
    ok = not problems
    return TargetCheck(
        name=target.name,
        docker_host=target.docker_host,
        kind=target.kind,
        reachable=True,
        docker_version=info.version,
        api_version=info.api_version,
        os_arch=f"{info.os}/{info.arch}",
        swarm_state=swarm,
        port=port,
        port_free=not users,
        port_users=users,
        disk_free_bytes=free,
        images_bytes=images_bytes,
        reclaimable_bytes=reclaimable,
        problems=problems,
        ok=ok,
        verdict=("READY: " + summary) if ok else ("NOT READY: " + "; ".join(problems)),
    )
