"""Health-gated rollout of a built image to a target, with rollback; the API the CLI and GUI use.

Single-container targets have one host port, so the new container cannot serve beside the
old one. The order keeps the old one serving as long as it can and recoverable at every step:
the image reaches the target first (pull or streamed load — the old container is still
serving); when a previous container runs, the new version is first started as a *candidate*
on a temporary port the daemon picks and must pass ``/health`` there (or its own
HEALTHCHECK) — a version that fails never stops the old one. Only then is the old container
*stopped* (not removed: the port can be published by one container only, which the deploy
log says), the new one started on the real port and ``/health`` awaited through it. On
failure, or Ctrl+C, the new container is removed and the old one started again, and the
record says ``rolled_back`` (or ``failed``, interrupted) with the reason; on success the old
one is removed. Swarm targets get a service whose update config (start-first,
failure_action rollback, health check) lets Swarm itself do the same across replicas.

One deploy at a time per (project, target), across processes (``deploy/lock.py``). A
process killed mid-deploy leaves a ``deploying`` record whose lock nobody holds: the next
DeployService sweeps it to ``failed`` with what to do, as the build engine sweeps builds.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pixel_desktop.deploy import config as cfg
from pixel_desktop.deploy import hosts
from pixel_desktop.deploy import lock as deploy_lock
from pixel_desktop.deploy.events import DeployFinished, DeployProgress, DeploySample
from pixel_desktop.docker.deploy_client import DeployDocker, repo_digest, split_ref
from pixel_desktop.errors import DeployError, InputError, PixelError
from pixel_desktop.events import EventBus
from pixel_desktop.store.records import BuildRecord, DeploymentRecord, ProjectRecord, TargetRecord

log = logging.getLogger(__name__)

VIAS = ("registry", "load")
SWARM_REPLICAS = 2
Progress = Callable[[DeployProgress], None]


@dataclass(frozen=True, slots=True)
class _Plan:
    project: ProjectRecord
    target: TargetRecord
    image_ref: str
    digest: str | None
    build_id: int | None
    via: str  # registry | load | present
    registry_name: str | None


class _RolledBack(DeployError):
    """The new version failed and the previous one was restored."""


class DeployService:
    """Deploy, roll back, check targets and list deployments. Thread-safe per call.

    ``connect`` (docker host, target name) → DeployDocker and ``local_docker`` are injectable
    so unit tests can run the decision logic without a daemon.
    """

    def __init__(
        self,
        store: Any,
        settings: Any,
        *,
        secrets: cfg.SecretSource | None = None,
        bus: EventBus | None = None,
        connect: Callable[[str, str | None], DeployDocker] | None = None,
        local_host: str | None = None,
        health_timeout_s: float | None = None,
        swarm_timeout_s: float = 180.0,
        http_get: Callable[[str, float], int] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.bus = bus
        self._secrets = secrets
        self._connect = connect or (lambda host, name: hosts.connect(host, name))
        self._local_host = local_host
        self.health_timeout_s = float(
            health_timeout_s or getattr(settings, "health_timeout_s", None) or 60.0
        )
        self.swarm_timeout_s = swarm_timeout_s
        self._http_get = http_get or _http_status
        # Per deployment: the secret values (secret env, registry password) it handles, so
        # that no message it records, emits or logs carries them. A daemon error can echo a
        # container's env, and a crashing service's last log lines may print it.
        self._secret_values: dict[int, set[str]] = {}
        self.swept_on_start = self.sweep_stale()

    # ---------------------------------------------------------------- helpers
    @property
    def secrets(self) -> cfg.SecretSource:
        if self._secrets is None:
            from pixel_desktop.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets

    def _redacted(self, dep_id: int, text: str) -> str:
        """``text`` with every secret value of deployment ``dep_id`` replaced by ***."""
        for secret in sorted(self._secret_values.get(dep_id, ()), key=len, reverse=True):
            text = text.replace(secret, cfg.REDACTED)
        return text

    def _emit(self, on_progress: Progress | None, dep_id: int, stage: str, message: str) -> None:
        message = self._redacted(dep_id, message)
        event = DeployProgress(dep_id, stage, message)
        log.info("deploy %s %s: %s", dep_id, stage, message)
        if self.bus is not None:
            self.bus.publish(event)  # type: ignore[arg-type]
        if on_progress is not None:
            on_progress(event)

    def _local(self) -> DeployDocker:
        host = self._local_host
        if host is None:
            from pixel_desktop.docker.gateway import resolve_host

            eff = getattr(self.settings, "effective_docker_host", None)
            host = resolve_host(eff() if callable(eff) else None)
        return self._connect(host, None)

    def sweep_stale(self) -> int:
        """Close deployments a dead process left ``pending``/``deploying``; returns how many.

        A record is stale when it ran on this machine (or says nothing about where) and
        nobody holds its (project, target) lock: the OS drops the lock with its process, so
        a live deploy, in this process or another, is never touched."""
        me = socket.gethostname()
        swept = 0
        for dep in self.store.deployments.unfinished():
            runner = dep.config_snapshot.get("runner_host")
            if runner not in (None, me):
                continue
            if deploy_lock.held(dep.project_slug, dep.target_name):
                continue
            message = (
                "Interrupted: Pixel stopped before this deployment finished, so the new version "
                f"was never confirmed healthy. Check the target (`pixel targets check "
                f"{dep.target_name}`), then deploy again or roll back (`pixel rollback "
                f"{dep.project_slug} --target {dep.target_name}`)."
            )
            if not self.store.deployments.fail_if_unfinished(dep.id, message):
                continue  # it finished between the listing and the lock check
            log.warning(
                "deployment %s was left %s by a stopped process; marked failed", dep.id, dep.status
            )
            swept += 1
        return swept

    def list(self, slug: str | None = None, limit: int = 100) -> list[DeploymentRecord]:
        return list(self.store.deployments.list(slug, limit=limit))

    # ---------------------------------------------------------------- planning
    def pick_build(self, project: ProjectRecord, build_id: int | None) -> BuildRecord:
        if build_id is not None:
            build = self.store.builds.get(build_id)
            if build.project_id != project.id:
                raise InputError(
                    f"Build {build_id} belongs to {build.project_slug}, not {project.slug}."
                )
            if build.status != "completed":
                raise InputError(
                    f"Build {build_id} of {project.slug} is {build.status}; only completed builds "
                    "can be deployed."
                )
            return build
        build = self.store.builds.last_successful(project.id)
        if build is None:
            raise InputError(
                f"{project.slug} has no completed build yet; build it first: pixel build {project.slug}"
            )
        return build

    def _plan(self, slug: str, target_name: str, build_id: int | None, via: str | None) -> _Plan:
        project = self.store.projects.get(slug)
        target = self.store.targets.get(target_name)
        build = self.pick_build(project, build_id)
        if via is not None and via not in VIAS:
            raise InputError(f"Invalid --via {via!r}: use registry or load.")
        via = via or ("registry" if build.pushed_ref else "load")
        if via == "registry":
            if not build.pushed_ref:
                raise InputError(
                    f"Build {build.id} of {slug} was not pushed to a registry; push it "
                    f"(pixel build {slug} --push REGISTRY) or deploy with --via load."
                )
            return _Plan(
                project,
                target,
                build.pushed_ref,
                build.digest,
                build.id,
                "registry",
                build.registry_name,
            )
        if not build.image_name:
            raise InputError(f"Build {build.id} of {slug} has no image; rebuild it.")
        return _Plan(
            project,
            target,
            build.image_name,
            build.digest or build.image_id,
            build.id,
            "load",
            None,
        )

    def _registry_auth(self, plan: _Plan) -> dict[str, str] | None:
        if not plan.registry_name:
            return None
        reg = self.store.registries.get(plan.registry_name)
        if not reg.username:
            return None
        from pixel_desktop.secrets import SecretStore

        store = self._secrets if hasattr(self._secrets, "get_registry_password") else SecretStore()
        password = store.get_registry_password(reg.name, reg.username)  # type: ignore[union-attr]
        if not password:
            raise DeployError(
                f"No password for {reg.username} on registry {reg.name} in the OS keyring; set it "
                f"with `pixel registries add {reg.name} ...` again, or deploy with --via load."
            )
        return {"username": reg.username, "password": password, "serveraddress": reg.url}

    # ---------------------------------------------------------------- public API
    def deploy(
        self,
        slug: str,
        target: str,
        build_id: int | None = None,
        via: str | None = None,
        on_progress: Progress | None = None,
    ) -> DeploymentRecord:
        """Deploy a build (default: the last completed one). Returns the final record;
        the record's status tells healthy / failed / rolled_back (no raise for those)."""
        plan = self._plan(slug, target, build_id, via)
        return self._run(plan, on_progress, extra={})

    def rollback(
        self, slug: str, target: str, on_progress: Progress | None = None
    ) -> DeploymentRecord:
        """Redeploy the healthy deployment before the current one (a different image)."""
        project = self.store.projects.get(slug)
        tgt = self.store.targets.get(target)
        current = self.store.deployments.last_healthy(project.id, tgt.name)
        if current is None:
            raise InputError(f"{slug} has no healthy deployment on {target} to roll back from.")
        previous = self.store.deployments.last_healthy(project.id, tgt.name, before_id=current.id)
        while previous is not None and previous.image_ref == current.image_ref:
            previous = self.store.deployments.last_healthy(
                project.id, tgt.name, before_id=previous.id
            )
        if previous is None:
            raise InputError(
                f"{slug} has no earlier healthy deployment on {target} with a different image; "
                "nothing to roll back to."
            )
        via = str(previous.config_snapshot.get("via") or "load")
        plan = _Plan(
            project,
            tgt,
            previous.image_ref,
            previous.digest,
            previous.build_id,
            "registry" if via == "registry" else "load",
            previous.config_snapshot.get("registry"),
        )
        return self._run(
            plan, on_progress, extra={"rollback_of": current.id, "rollback_to": previous.id}
        )

    def check_target(self, name: str, port: int | None = None, slug: str | None = None) -> Any:
        """A TargetCheck (deploy/check.py); ``slug`` gives the port and ignores our own containers."""
        from pixel_desktop.deploy.check import check_target

        target = self.store.targets.get(name)
        if slug is not None and port is None:
            port = self.store.projects.get(slug).spec.deployment.port
        return check_target(target, port=port or 8000, connect=self._connect, project_slug=slug)

    def sample(self, slug: str, target: str) -> DeploySample:
        """One CPU/memory/health-latency sample of the live deployment (for the GUI chart)."""
        project = self.store.projects.get(slug)
        tgt = self.store.targets.get(target)
        with self._connect(tgt.docker_host, tgt.name) as docker:
            running = [
                c for c in docker.containers({"pixel.project": slug}) if c.state == "running"
            ]
            cpu, mem, limit = docker.stats_once(running[0].id) if running else (0.0, 0, 0)
        url = self._url(project, tgt)
        t0 = time.monotonic()
        try:
            code = self._http_get(url + cfg.health_path(project.spec), 5.0)
        except httpx.HTTPError:
            code = 0
        latency = (time.monotonic() - t0) * 1000.0 if code == 200 else None
        return DeploySample(slug, tgt.name, cpu, mem, limit, latency, code == 200)

    # ---------------------------------------------------------------- the run
    def _url(self, project: ProjectRecord, target: TargetRecord) -> str:
        return f"http://{hosts.public_host(target.docker_host, target.name)}:{project.spec.deployment.port}"

    def _run(
        self, plan: _Plan, on_progress: Progress | None, extra: dict[str, Any]
    ) -> DeploymentRecord:
        project, target = plan.project, plan.target
        lock = deploy_lock.DeployLock(project.slug, target.name)
        if not lock.try_acquire():
            raise DeployError(
                f"Another deploy or rollback of {project.slug} to {target.name} is running "
                f"(process {lock.holder()}); wait for it to finish and try again."
            )
        try:
            return self._run_locked(plan, on_progress, extra)
        finally:
            lock.release()

    def _run_locked(
        self, plan: _Plan, on_progress: Progress | None, extra: dict[str, Any]
    ) -> DeploymentRecord:
        project, target = plan.project, plan.target
        runtime = cfg.runtime_config(
            project,
            project.spec,
            self.secrets,
            extra={
                "via": plan.via,
                "kind": target.kind,
                "docker_host": target.docker_host,
                "registry": plan.registry_name,
                "runner_host": socket.gethostname(),
                **extra,
            },
        )
        record = self.store.deployments.create(
            project.id,
            target.name,
            plan.image_ref,
            build_id=plan.build_id,
            digest=plan.digest,
            config_snapshot=runtime.snapshot,
            status="deploying",
        )
        dep_id = record.id
        url = self._url(project, target)
        self._secret_values[dep_id] = {
            runtime.env[name]
            for name in project.spec.deployment.secret_env
            if runtime.env.get(name)
        }
        try:
            return self._run_recorded(plan, runtime, dep_id, url, on_progress)
        finally:
            self._secret_values.pop(dep_id, None)

    def _run_recorded(
        self,
        plan: _Plan,
        runtime: cfg.RuntimeConfig,
        dep_id: int,
        url: str,
        on_progress: Progress | None,
    ) -> DeploymentRecord:
        target = plan.target
        try:
            self._emit(on_progress, dep_id, "connecting", f"connecting to {target.docker_host}")
            with self._connect(target.docker_host, target.name) as docker:
                digest = self._ensure_image(docker, plan, dep_id, on_progress)
                if target.kind == "swarm":
                    self._swarm(docker, plan, runtime.env, dep_id, url, on_progress)
                else:
                    self._single(docker, plan, runtime.env, dep_id, url, on_progress)
        except _RolledBack as exc:
            final = self.store.deployments.set_status(
                dep_id, "rolled_back", error_message=self._redacted(dep_id, exc.message), url=url
            )
        except PixelError as exc:
            final = self.store.deployments.set_status(
                dep_id, "failed", error_message=self._redacted(dep_id, exc.message)
            )
        except Exception as exc:  # a bug or an unexpected library error: still close the record
            message = self._redacted(dep_id, f"internal error: {type(exc).__name__}: {exc}")
            log.error("deployment %s crashed: %s", dep_id, message)
            final = self.store.deployments.set_status(dep_id, "failed", error_message=message)
            self._finish(final, on_progress)
            raise
        except BaseException:  # Ctrl+C / SystemExit: the rollout restored what it could
            final = self.store.deployments.set_status(
                dep_id,
                "failed",
                error_message=(
                    "Interrupted (Ctrl+C or the app quit) before the new version was confirmed "
                    "healthy; the new container was removed and the previous one kept or restarted."
                ),
            )
            self._finish(final, on_progress)
            raise
        else:
            fields: dict[str, Any] = {"url": url}
            if digest and not plan.digest:
                fields["digest"] = digest
            final = self.store.deployments.set_status(dep_id, "healthy", **fields)
        self._finish(final, on_progress)
        return final

    def _finish(self, final: DeploymentRecord, on_progress: Progress | None) -> None:
        event = DeployFinished(final.id, final.status, final.url, final.error_message)
        if self.bus is not None:
            self.bus.publish(event)  # type: ignore[arg-type]
        if on_progress is not None:
            on_progress(event)  # type: ignore[arg-type]

    def _ensure_image(
        self, docker: DeployDocker, plan: _Plan, dep_id: int, on_progress: Progress | None
    ) -> str | None:
        """Get the image onto the target (already there → nothing moves); returns its digest."""
        say = lambda m: self._emit(on_progress, dep_id, "transferring", m)  # noqa: E731
        if docker.image_exists(plan.image_ref):
            say(f"{plan.image_ref} is already on the target")
        elif plan.via == "registry":
            say(f"target pulls {plan.image_ref}")
            auth = self._registry_auth(plan)
            if auth and auth.get("password"):
                self._secret_values.setdefault(dep_id, set()).add(auth["password"])
            try:
                docker.pull(plan.image_ref, auth, say)
            except DeployError as exc:
                if "unauthorized" in exc.message or "authentication required" in exc.message:
                    raise DeployError(
                        f"{exc.message}. The registry refused the credentials stored in the OS "
                        f"keyring for {plan.registry_name or 'this registry'}; update them with "
                        "`pixel registries add` (password from stdin) or deploy with --via load."
                    ) from exc
                raise
        else:
            say(f"streaming {plan.image_ref} from the local daemon (docker save → docker load)")
            with self._local() as local:
                if not local.image_exists(plan.image_ref):
                    raise DeployError(
                        f"{plan.image_ref} is not in the local Docker daemon any more; rebuild "
                        f"(pixel build {plan.project.slug}) or deploy with --via registry."
                    )
                last = [0]

                def on_bytes(n: int) -> None:
                    if n - last[0] >= 32 * 1024 * 1024:
                        last[0] = n
                        say(f"{n / 1e6:.0f} MB sent")

                docker.copy_image_from(local, plan.image_ref, say, on_bytes)
        image = docker.inspect_image(plan.image_ref)
        return (
            repo_digest(image, split_ref(plan.image_ref)[0]) or str(image.get("Id") or "") or None
        )

    def _wait_health(
        self,
        url: str,
        path: str,
        deadline: float,
        alive: Callable[[], str | None],
        passed: Callable[[], bool] | None = None,
    ) -> str | None:
        """None when ``url+path`` answers 200 (or ``passed()`` says so) before ``deadline``;
        else the reason."""
        last = "no answer"
        while time.monotonic() < deadline:
            dead = alive()
            if dead:
                return dead
            if passed is not None and passed():
                return None
            try:
                code = self._http_get(url + path, 3.0)
                if code == 200:
                    return None
                last = f"HTTP {code}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.5)
        return f"{url}{path} did not answer 200 within {self.health_timeout_s:.0f} s (last: {last})"

    def _alive_check(self, docker: DeployDocker, cid: str) -> Callable[[], str | None]:
        def alive() -> str | None:
            st = docker.container_state(cid)
            if st.status in ("exited", "dead", "missing"):
                tail = docker.container_logs(cid, tail=10).strip().splitlines()[-3:]
                return f"the container stopped (exit code {st.exit_code}){': ' + ' | '.join(tail) if tail else ''}"
            if st.health == "unhealthy":
                return "the container's own HEALTHCHECK reports unhealthy"
            return None

        return alive

    def _check_candidate(
        self,
        docker: DeployDocker,
        plan: _Plan,
        env: dict[str, str],
        dep_id: int,
        on_progress: Progress | None,
    ) -> str | None:
        """Run the new version beside the serving one on a temporary port; None when healthy.

        The candidate is removed whatever happens (Ctrl+C included). It passes when its
        ``/health`` answers 200 on the temporary port, or when its own HEALTHCHECK reports
        healthy (a firewall may keep the temporary port from reaching us)."""
        slug = plan.project.slug
        port = plan.project.spec.deployment.port
        path = cfg.health_path(plan.project.spec)
        name = cfg.container_name(slug, dep_id) + "-check"
        cid: str | None = None
        try:
            cid = docker.create_and_start(
                name=name,
                image=plan.image_ref,
                port=port,
                env=env,
                labels={**cfg.labels(slug, dep_id), "pixel.role": "candidate"},
                temporary=True,
            )
            host_port = docker.published_port(cid, port)
            check = cid
            url = (
                f"http://{hosts.public_host(plan.target.docker_host, plan.target.name)}:{host_port}"
            )
            self._emit(
                on_progress,
                dep_id,
                "health",
                f"checking the new version on temporary port {host_port} before touching the "
                f"running one: waiting for {url}{path}",
            )
            return self._wait_health(
                url,
                path,
                time.monotonic() + self.health_timeout_s,
                self._alive_check(docker, check),
                passed=lambda: docker.container_state(check).health == "healthy",
            )
        except PixelError as exc:
            return exc.message
        finally:
            if cid is not None:
                docker.remove_container(cid)

    def _single(
        self,
        docker: DeployDocker,
        plan: _Plan,
        env: dict[str, str],
        dep_id: int,
        url: str,
        on_progress: Progress | None,
    ) -> None:
        slug = plan.project.slug
        port = plan.project.spec.deployment.port
        mine = docker.containers({"pixel.project": slug})
        for leftover in [c for c in mine if c.labels.get("pixel.role") == "candidate"]:
            docker.remove_container(leftover.id)  # a candidate of a deploy killed mid-check
        previous = [c for c in mine if c.labels.get("pixel.role") == "deploy"]
        was_running = [c for c in previous if c.state == "running"]
        others = [
            u
            for u in docker.port_users(port)
            if not any(u.endswith(" " + c.name) for c in previous)
        ]
        if others:
            raise DeployError(
                f"Port {port} on {plan.target.name} is used by {', '.join(others)}; free it or "
                "change the project's deployment.port."
            )
        if was_running:
            reason = self._check_candidate(docker, plan, env, dep_id, on_progress)
            if reason is not None:
                raise _RolledBack(
                    f"The new version failed its health check ({reason}); the previous "
                    f"container {was_running[0].name} was never stopped and keeps serving."
                )
            self._emit(
                on_progress,
                dep_id,
                "starting",
                f"the new version is healthy; port {port} can be published by one container "
                f"only, so {', '.join(c.name for c in was_running)} stops for the switch-over "
                "(the service does not answer until the new container does)",
            )
        for c in was_running:
            self._emit(
                on_progress,
                dep_id,
                "starting",
                f"stopping previous container {c.name} (kept for rollback)",
            )
            docker.stop_container(c.id)
        new_id: str | None = None
        try:
            try:
                self._emit(
                    on_progress,
                    dep_id,
                    "starting",
                    f"starting {cfg.container_name(slug, dep_id)} on port {port}",
                )
                new_id = docker.create_and_start(
                    name=cfg.container_name(slug, dep_id),
                    image=plan.image_ref,
                    port=port,
                    env=env,
                    labels=cfg.labels(slug, dep_id),
                )
                self._emit(
                    on_progress,
                    dep_id,
                    "health",
                    f"waiting for {url}{cfg.health_path(plan.project.spec)}",
                )
                reason = self._wait_health(
                    url,
                    cfg.health_path(plan.project.spec),
                    time.monotonic() + self.health_timeout_s,
                    self._alive_check(docker, new_id),
                )
            except PixelError as exc:
                reason = exc.message
        except BaseException:
            # Ctrl+C (or the app quitting) mid-rollout: never leave the old container stopped
            # behind an unchecked new one. Restore, then let the interrupt through.
            with contextlib.suppress(Exception):
                if new_id is not None:
                    docker.remove_container(new_id)
                for c in was_running:
                    docker.start_container(c.id)
            raise
        if reason is None:
            for c in previous:
                docker.remove_container(c.id)
            self._emit(
                on_progress, dep_id, "finishing", f"healthy at {url}; previous containers removed"
            )
            return
        # ---- the new version failed: bring the old one back
        self._emit(
            on_progress,
            dep_id,
            "rolling_back",
            f"new version unhealthy ({reason}); restoring the previous one",
        )
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
        back = self._wait_health(
            url,
            cfg.health_path(plan.project.spec),
            time.monotonic() + self.health_timeout_s,
            lambda: None,
        )
        note = "" if back is None else f" (the restored container is not answering yet: {back})"
        raise _RolledBack(
            f"The new version failed its health check ({reason}); the previous container "
            f"{was_running[0].name} is serving again{note}."
        )

    def _swarm(
        self,
        docker: DeployDocker,
        plan: _Plan,
        env: dict[str, str],
        dep_id: int,
        url: str,
        on_progress: Progress | None,
    ) -> None:
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
        self._emit(
            on_progress,
            dep_id,
            "starting",
            f"{'updating' if before else 'creating'} service {name}",
        )
        docker.upsert_service(
            name=name,
            image=plan.image_ref,
            port=port,
            env=env,
            labels=cfg.labels(slug, dep_id),
            replicas=SWARM_REPLICAS,
            health_cmd=[
                "CMD",
                "python3",
                "-c",
                "import sys,urllib.request;"
                f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{port}{health}',timeout=3).status==200 else 1)",
            ],
            auth=self._registry_auth(plan) if plan.via == "registry" else None,
        )
        deadline = time.monotonic() + self.swarm_timeout_s
        self._emit(on_progress, dep_id, "health", f"waiting for {SWARM_REPLICAS} healthy replicas")
        while time.monotonic() < deadline:
            st = docker.service_status(name)
            svc = docker.service(name) or {}
            started = (svc.get("UpdateStatus") or {}).get("StartedAt")
            if before is None or started != prior_started:
                state = st.update_state
                if state in ("rollback_completed", "rollback_paused", "rollback_started", "paused"):
                    if state == "rollback_started":
                        time.sleep(1.0)
                        continue
                    errors = docker.task_errors(name)[:2]
                    raise _RolledBack(
                        f"Swarm rolled service {name} back: {st.update_message or state}"
                        + (f" ({'; '.join(errors)})" if errors else "")
                    )
                done = (before is None and state is None) or state == "completed"
                if (
                    done
                    and st.running_tasks >= SWARM_REPLICAS
                    and st.image.split("@")[0] == plan.image_ref
                ):
                    # Swarm counts a task as running only once its HEALTHCHECK passed, so this
                    # is the health gate. The published URL is probed as well, but a routing
                    # mesh that does not answer from here (no IPVS, firewall) is reported, not fatal.
                    probe = self._wait_health(
                        url,
                        health,
                        time.monotonic() + min(10.0, self.health_timeout_s),
                        lambda: None,
                    )
                    if probe is not None:
                        self._emit(
                            on_progress,
                            dep_id,
                            "finishing",
                            f"warning: {st.running_tasks} replicas are healthy inside Swarm but "
                            f"{probe}; check the routing mesh / firewall for port {port}",
                        )
                    self._emit(
                        on_progress,
                        dep_id,
                        "finishing",
                        f"{st.running_tasks} replicas healthy ({name})",
                    )
                    return
            time.sleep(1.0)
        raise DeployError(f"Service {name} did not converge within {self.swarm_timeout_s:.0f} s.")


def _http_status(url: str, timeout: float) -> int:
    return httpx.get(url, timeout=timeout).status_code
