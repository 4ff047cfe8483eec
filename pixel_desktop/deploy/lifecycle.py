"""Stop, remove and read the log of what a deployment runs on its target.

Why here and not in the strategies: a strategy changes what runs, health-gated; these act
on what is already there, whichever strategy put it there. A single-host deployment is the
project's ``pixel.role=deploy`` containers (plus a candidate a killed deploy may have left);
a Swarm deployment is the project's service. Stop keeps them (a later deploy replaces them,
``docker start`` or scaling up brings them back); remove deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pixel_desktop.deploy import config as cfg
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.log_stream import LogStream
from pixel_desktop.docker.models import ContainerInfo
from pixel_desktop.errors import InputError
from pixel_desktop.store.records import TargetRecord

ROLES = ("deploy", "candidate")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a stop or remove did, in words for the record and the user."""

    changed: tuple[str, ...]  # container or service names acted on
    message: str


def _containers(docker: DockerClient, slug: str) -> list[ContainerInfo]:
    mine = docker.list_containers({"pixel.project": slug})
    return [c for c in mine if c.labels.get("pixel.role") in ROLES]


def _nothing(slug: str, target: TargetRecord, what: str) -> InputError:
    return InputError(
        f"Nothing of {slug} is deployed on {target.name}, so there is nothing to {what}. "
        f"See `pixel deployments list {slug}`."
    )


def stop(docker: DockerClient, target: TargetRecord, slug: str) -> Outcome:
    """Stop the deployment, keeping its containers (or its service, scaled to 0)."""
    if target.kind == "swarm":
        name = cfg.service_name(slug)
        if docker.service(name) is None:
            raise _nothing(slug, target, "stop")
        docker.scale_service(name, 0)
        return Outcome(
            (name,),
            f"Service {name} on {target.name} scaled to 0 replicas; it is kept, and the next "
            "deploy starts it again.",
        )
    containers = _containers(docker, slug)
    if not containers:
        raise _nothing(slug, target, "stop")
    running = [c for c in containers if c.state == "running"]
    for c in running:
        docker.stop_container(c.id)
    if not running:
        names = ", ".join(c.name for c in containers)
        return Outcome((), f"{names} on {target.name} was already stopped.")
    names = ", ".join(c.name for c in running)
    return Outcome(
        tuple(c.name for c in running),
        f"Stopped {names} on {target.name}; the container is kept, and the next deploy "
        "replaces it (or remove it).",
    )


def remove(docker: DockerClient, target: TargetRecord, slug: str) -> Outcome:
    """Remove the deployment's containers (or its service) from the target."""
    if target.kind == "swarm":
        name = cfg.service_name(slug)
        if docker.service(name) is None:
            raise _nothing(slug, target, "remove")
        docker.remove_service(name)
        return Outcome((name,), f"Removed service {name} from {target.name}.")
    containers = _containers(docker, slug)
    if not containers:
        raise _nothing(slug, target, "remove")
    for c in containers:
        docker.remove_container(c.id)
    names = ", ".join(c.name for c in containers)
    return Outcome(tuple(c.name for c in containers), f"Removed {names} from {target.name}.")


def newest_container(containers: list[ContainerInfo]) -> ContainerInfo | None:
    """The container whose log a user means: a running deployed one before a stopped one,
    the newest deployment first; never a candidate while a deployed one exists."""

    def key(c: ContainerInfo) -> tuple[int, int, int]:
        dep = c.labels.get("pixel.deployment", "")
        return (
            int(c.labels.get("pixel.role") == "deploy"),
            int(c.state == "running"),
            int(dep) if dep.isdigit() else -1,
        )

    return max(containers, key=key, default=None)


def logs(
    docker: DockerClient, target: TargetRecord, slug: str, *, tail: int | None, follow: bool
) -> tuple[str, LogStream]:
    """(what is read, its log lines): the service's tasks on Swarm, else the newest deployed
    container of the project."""
    if target.kind == "swarm":
        name = cfg.service_name(slug)
        if docker.service(name) is None:
            raise _nothing(slug, target, "show the log of")
        return f"service {name}", docker.follow_service_logs(name, tail=tail, follow=follow)
    chosen = newest_container(_containers(docker, slug))
    if chosen is None:
        raise _nothing(slug, target, "show the log of")
    return (
        f"container {chosen.name} ({chosen.state})",
        docker.follow_container_logs(chosen.id, tail=tail, follow=follow),
    )
