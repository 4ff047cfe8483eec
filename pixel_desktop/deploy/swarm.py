"""Swarm targets: a service whose update config (start-first, failure_action rollback,
health check) lets Swarm itself do the health-gated switch-over across replicas.

State after a cancel (the record ends ``cancelled``, with this in its message): an update
of an existing service is rolled back by Swarm to the previous spec (or, if asking for that
fails, the message says to run ``docker service rollback``); a service this deploy created
is removed.
"""

from __future__ import annotations

import time

from pixel_desktop.deploy import config as cfg
from pixel_desktop.deploy.health import Cancelled
from pixel_desktop.deploy.rollout import DeployCancelled, RolledBack, Rollout
from pixel_desktop.docker.models import Workload
from pixel_desktop.errors import DeployError, PixelError

SWARM_REPLICAS = 2
POLL_S = 1.0


def run(r: Rollout) -> None:
    docker, plan = r.docker, r.plan
    if docker.swarm_state() != "active":
        raise DeployError(
            f"Target {plan.target.name} is a swarm target but {plan.target.docker_host} is not "
            "a Swarm manager; run `docker swarm init` there or re-add the target with --kind docker."
        )
    slug = plan.project.slug
    spec = plan.project.spec
    port = spec.deployment.port
    name = cfg.service_name(slug)
    health = cfg.health_path(spec)
    before = docker.service(name)
    prior_started = ((before or {}).get("UpdateStatus") or {}).get("StartedAt")
    r.checkpoint(f"before service {name} was {'updated' if before else 'created'}; nothing changed.")
    r.emit("starting", f"{'updating' if before else 'creating'} service {name}")
    docker.upsert_service(
        Workload(name, plan.image_ref, port, r.env, cfg.labels(slug, r.deployment_id)),
        replicas=SWARM_REPLICAS,
        health_cmd=[
            "CMD",
            "python3",
            "-c",
            "import sys,urllib.request;"
            f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{port}{health}',timeout=3).status==200 else 1)",
        ],
        auth=r.registry_auth() if plan.via == "registry" else None,
    )
    deadline = time.monotonic() + r.swarm_timeout_s
    r.emit("health", f"waiting for {SWARM_REPLICAS} healthy replicas")
    try:
        while time.monotonic() < deadline:
            if r.cancelled():
                raise Cancelled
            st = docker.service_status(name)
            svc = docker.service(name) or {}
            started = (svc.get("UpdateStatus") or {}).get("StartedAt")
            if before is None or started != prior_started:
                state = st.update_state
                if state in ("rollback_completed", "rollback_paused", "rollback_started", "paused"):
                    if state == "rollback_started":
                        time.sleep(POLL_S)
                        continue
                    errors = docker.task_errors(name)[:2]
                    raise RolledBack(
                        f"Swarm rolled service {name} back: {st.update_message or state}"
                        + (f" ({'; '.join(errors)})" if errors else "")
                    )
                done = (before is None and state is None) or state == "completed"
                if (
                    done
                    and st.running_tasks >= SWARM_REPLICAS
                    and st.image.split("@")[0] == plan.image_ref
                ):
                    _probe(r, name, health, port, st.running_tasks)
                    return
            time.sleep(POLL_S)
    except Cancelled:
        raise DeployCancelled(_undo(r, name, created=before is None)) from None
    raise DeployError(f"Service {name} did not converge within {r.swarm_timeout_s:.0f} s.")


def _probe(r: Rollout, name: str, health: str, port: int, running: int) -> None:
    """Swarm counts a task as running only once its HEALTHCHECK passed, so that is the health
    gate. The published URL is probed as well, but a routing mesh that does not answer from
    here (no IPVS, firewall) is reported, not fatal."""
    try:
        probe = r.wait_healthy(r.url, health, timeout_s=min(10.0, r.health_timeout_s))
    except Cancelled:
        probe = None  # the replicas are healthy already; a cancel this late changes nothing
    if probe is not None:
        r.emit(
            "finishing",
            f"warning: {running} replicas are healthy inside Swarm but {probe}; check the "
            f"routing mesh / firewall for port {port}",
        )
    r.emit("finishing", f"{running} replicas healthy ({name})")


def _undo(r: Rollout, name: str, *, created: bool) -> str:
    """Put the service back as it was before this deploy; the sentence saying what was done."""
    try:
        if created:
            r.docker.remove_service(name)
            return f"Cancelled while Swarm started the replicas: service {name} was removed."
        r.docker.rollback_service(name)
    except Exception as exc:  # the record must still say what was left: never a crash here
        reason = exc.message if isinstance(exc, PixelError) else f"{type(exc).__name__}: {exc}"
        what = "removing" if created else "rolling back"
        fix = f"docker service rm {name}" if created else f"docker service rollback {name}"
        return (
            f"Cancelled while Swarm updated service {name}, and {what} it failed ({reason}); "
            f"run `{fix}` on the manager."
        )
    return (
        f"Cancelled while Swarm updated service {name}: Swarm was asked to roll it back to the "
        "previous version, which keeps serving."
    )
