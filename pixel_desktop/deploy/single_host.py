"""Single-container targets: health-gated switch-over on one host port, with rollback.

The target has one host port, so the new container cannot serve beside the old one. The
order keeps the old one serving as long as it can and recoverable at every step: when a
previous container runs, the new version is first started as a *candidate* on a temporary
port the daemon picks and must pass its health check there (or its own HEALTHCHECK) — a
version that fails never stops the old one. Only then is the old container *stopped* (not
removed: the port can be published by one container only, which the deploy log says), the
new one started on the real port and its health awaited through it. On failure, Ctrl+C or a
cancel, the new container is removed and the old one started again; on success the old one
is removed.

State after a cancel (the record ends ``cancelled``, with this in its message):
- before or during the candidate check: the candidate is removed, the previous container was
  never stopped and keeps serving;
- after the switch-over began: the new container is removed and the previous one restarted;
- first deploy (nothing was running): the new container is removed, nothing runs.
"""

from __future__ import annotations

import contextlib

from pixel_desktop.deploy import config as cfg
from pixel_desktop.deploy import hosts
from pixel_desktop.deploy.health import Cancelled, alive_check, reports_healthy
from pixel_desktop.deploy.rollout import DeployCancelled, RolledBack, Rollout
from pixel_desktop.docker.models import Workload
from pixel_desktop.errors import DeployError, PixelError


def run(r: Rollout) -> None:
    docker, plan = r.docker, r.plan
    slug = plan.project.slug
    port = plan.project.spec.deployment.port
    path = cfg.health_path(plan.project.spec)
    dep_id = r.deployment_id
    mine = docker.list_containers({"pixel.project": slug})
    for leftover in [c for c in mine if c.labels.get("pixel.role") == "candidate"]:
        docker.remove_container(leftover.id)  # a candidate of a deploy killed mid-check
    previous = [c for c in mine if c.labels.get("pixel.role") == "deploy"]
    was_running = [c for c in previous if c.state == "running"]
    others = [
        u for u in docker.port_users(port) if not any(u.endswith(" " + c.name) for c in previous)
    ]
    if others:
        raise DeployError(
            f"Port {port} on {plan.target.name} is used by {', '.join(others)}; free it or "
            "change the project's deployment.port."
        )
    serving = ", ".join(c.name for c in was_running)
    untouched = (
        f"the previous container {serving} was never stopped and keeps serving"
        if was_running
        else "no container of this project was started"
    )
    r.checkpoint(f"before any container changed; {untouched}.")
    if was_running:
        reason = _check_candidate(r, untouched)
        if reason is not None:
            raise RolledBack(
                f"The new version failed its health check ({reason}); the previous "
                f"container {was_running[0].name} was never stopped and keeps serving."
            )
        r.checkpoint(
            f"the new version passed its check on a temporary port (removed) but was not "
            f"switched over; {untouched}."
        )
        r.emit(
            "starting",
            f"the new version is healthy; port {port} can be published by one container "
            f"only, so {serving} stops for the switch-over "
            "(the service does not answer until the new container does)",
        )
    for c in was_running:
        r.emit("starting", f"stopping previous container {c.name} (kept for rollback)")
        docker.stop_container(c.id)
    new_name = cfg.container_name(slug, dep_id)
    new_id: str | None = None
    try:
        try:
            r.emit("starting", f"starting {new_name} on port {port}")
            new_id = docker.create_and_start(
                Workload(
                    new_name,
                    plan.image_ref,
                    port,
                    r.env,
                    cfg.labels(slug, dep_id),
                    bind_address=hosts.publish_binding(plan.target).bind,
                )
            )
            r.emit("health", f"waiting for {r.url}{path}")
            reason = r.wait_healthy(r.url, path, alive=alive_check(docker, new_id))
        except PixelError as exc:
            reason = exc.message
    except Cancelled:
        problems = _restore(r, new_id, was_running)
        if not was_running:
            raise DeployCancelled(
                f"Cancelled during the health check: the new container {new_name} was "
                "removed; no container of this project runs on the target now."
            ) from None
        raise DeployCancelled(
            f"Cancelled during the health check: the new container {new_name} was removed "
            + (
                f"and restarting the previous one failed: {'; '.join(problems)}"
                if problems
                else f"and the previous container {serving} was started again and serves."
            )
        ) from None
    except BaseException:
        # Ctrl+C (or the app quitting) mid-rollout: never leave the old container stopped
        # behind an unchecked new one. Restore, then let the interrupt through.
        with contextlib.suppress(Exception):
            _restore(r, new_id, was_running)
        raise
    if reason is None:
        for c in previous:
            docker.remove_container(c.id)
        r.emit("finishing", f"healthy at {r.url}; previous containers removed")
        return
    # ---- the new version failed: bring the old one back
    r.emit("rolling_back", f"new version unhealthy ({reason}); restoring the previous one")
    if new_id is not None:
        docker.remove_container(new_id)
    if not was_running:
        raise DeployError(f"The new version failed its health check: {reason}")
    restore_errors = []
    for c in was_running:
        try:
            docker.start_container(c.id)
        except PixelError as exc:
            restore_errors.append(exc.message)
    if restore_errors:
        raise DeployError(
            f"The new version failed ({reason}) and restarting the previous container failed "
            f"too: {'; '.join(restore_errors)}"
        )
    try:
        back = r.wait_healthy(r.url, path)
    except Cancelled:
        back = "the wait was cancelled"
    note = "" if back is None else f" (the restored container is not answering yet: {back})"
    raise RolledBack(
        f"The new version failed its health check ({reason}); the previous container "
        f"{was_running[0].name} is serving again{note}."
    )


def _restore(r: Rollout, new_id: str | None, was_running: list) -> list[str]:
    """Remove the new container and start the previous ones; the errors, if any."""
    problems: list[str] = []
    if new_id is not None:
        try:
            r.docker.remove_container(new_id)
        except PixelError as exc:
            problems.append(exc.message)
    for c in was_running:
        try:
            r.docker.start_container(c.id)
        except PixelError as exc:
            problems.append(exc.message)
    return problems


def _check_candidate(r: Rollout, untouched: str) -> str | None:
    """Run the new version beside the serving one on a temporary port; None when healthy.

    The candidate is removed whatever happens (Ctrl+C and cancel included). It passes when
    its health endpoint answers on the temporary port, or when its own HEALTHCHECK reports
    healthy (a firewall may keep the temporary port from reaching us)."""
    docker, plan = r.docker, r.plan
    slug = plan.project.slug
    port = plan.project.spec.deployment.port
    path = cfg.health_path(plan.project.spec)
    name = cfg.container_name(slug, r.deployment_id) + "-check"
    cid: str | None = None
    try:
        labels = {**cfg.labels(slug, r.deployment_id), "pixel.role": "candidate"}
        cid = docker.create_and_start(
            Workload(
                name,
                plan.image_ref,
                port,
                r.env,
                labels,
                bind_address=hosts.publish_binding(plan.target).bind,
            ),
            temporary=True,
        )
        host_port = docker.published_port(cid, port)
        url = f"http://{hosts.publish_binding(plan.target).url_host}:{host_port}"
        r.emit(
            "health",
            f"checking the new version on temporary port {host_port} before touching the "
            f"running one: waiting for {url}{path}",
        )
        return r.wait_healthy(
            url, path, alive=alive_check(docker, cid), passed=reports_healthy(docker, cid)
        )
    except PixelError as exc:
        return exc.message
    except Cancelled:
        # ``finally`` removes the candidate before this reaches the service.
        raise DeployCancelled(
            f"Cancelled while checking the new version on a temporary port: the candidate "
            f"container {name} was removed and {untouched}."
        ) from None
    finally:
        if cid is not None:
            docker.remove_container(cid)
