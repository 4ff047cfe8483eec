"""The deploy service: plan, lock, record, run a strategy, finish the record; the API the job
runner, the CLI and the GUI use.

One deploy at a time per (project, target), across processes (``deploy/lock.py``). The lock
is taken and the record created when the deploy is *started* (``start``), before any
progress event, so a job runner knows the deployment id at submit and every event carries
it. ``run`` then drives a strategy (``single_host`` or ``swarm``) with the job's cancel
token and always ends the record: ``healthy``, ``rolled_back``, ``failed`` or ``cancelled``
(whose message says what was left running). A process killed mid-deploy leaves a
``pending``/``deploying`` record whose lock nobody holds: the next DeployService sweeps it to
``failed`` with what to do, as the build runner sweeps builds.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pixel_desktop.deploy import config as cfg
from pixel_desktop.deploy import health, hosts, single_host, swarm
from pixel_desktop.deploy import lock as deploy_lock
from pixel_desktop.deploy import plan as planning
from pixel_desktop.deploy.events import DeployFinished, DeployProgress, DeploySample
from pixel_desktop.deploy.health import CancelToken, never_cancelled
from pixel_desktop.deploy.plan import VIAS, Plan
from pixel_desktop.deploy.rollout import DeployCancelled, RolledBack, Rollout
from pixel_desktop.deploy.transfer import ensure_image
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.log_stream import LogStream
from pixel_desktop.errors import DeployError, InputError, PixelError
from pixel_desktop.events import EventBus
from pixel_desktop.kinds import JobKind
from pixel_desktop.store.records import BuildRecord, DeploymentRecord, ProjectRecord

if TYPE_CHECKING:
    from pixel_desktop.deploy.check import TargetCheck
    from pixel_desktop.deploy.sampler import LiveSampler
    from pixel_desktop.settings import Settings
    from pixel_desktop.store import Store

log = logging.getLogger(__name__)

SWARM_REPLICAS = swarm.SWARM_REPLICAS
Progress = Callable[[DeployProgress | DeployFinished], None]
Connect = Callable[[str, "str | None"], DockerClient]


@dataclass(frozen=True)
class StartedDeploy:
    """A deploy or rollback that holds its lock and has a ``pending`` record: ready to
    ``run`` (or to ``abandon`` if cancelled before it ran)."""

    plan: Plan
    record: DeploymentRecord
    kind: JobKind
    env: dict[str, str]
    url: str
    lock: deploy_lock.DeployLock
    warnings: tuple[str, ...] = ()  # said as the deploy starts (e.g. an unread secret unset)

    @property
    def id(self) -> int:
        return self.record.id


class DeploymentLog:
    """A deployment's log lines (``source`` says whose); ``close`` (any thread) ends the
    iteration and the target connection."""

    def __init__(self, source: str, stream: LogStream, docker: DockerClient) -> None:
        self.source = source
        self._stream = stream
        self._docker = docker

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._stream
        finally:
            self.close()

    def close(self) -> None:
        self._stream.close()
        with contextlib.suppress(Exception):
            self._docker.close()

    def __enter__(self) -> DeploymentLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DeployService:
    """Deploy, roll back, check targets and list deployments. Thread-safe per call.

    ``connect`` (docker host, target name) → DockerClient and ``local_host`` are injectable
    so unit tests can run the decision logic without a daemon.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        secrets: cfg.SecretSource | None = None,
        bus: EventBus | None = None,
        connect: Connect | None = None,
        local_host: str | None = None,
        health_timeout_s: float | None = None,
        swarm_timeout_s: float = 180.0,
        http_get: health.HttpGet | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.bus = bus
        self._secrets = secrets
        self._connect: Connect = connect or (lambda host, name: hosts.connect(host, name))
        self._local_host = local_host
        self.health_timeout_s = float(
            health_timeout_s or getattr(settings, "health_timeout_s", None) or 60.0
        )
        self.swarm_timeout_s = swarm_timeout_s
        self._http_get: health.HttpGet = http_get or health.http_status
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

    def _emit(
        self, on_progress: Progress | None, dep_id: int, kind: JobKind, stage: str, message: str
    ) -> None:
        message = self._redacted(dep_id, message)
        event = DeployProgress(dep_id, stage, message, kind=kind)
        log.info("%s %s %s: %s", kind, dep_id, stage, message)
        if self.bus is not None:
            self.bus.publish(event)
        if on_progress is not None:
            on_progress(event)

    def _local(self) -> AbstractContextManager[DockerClient]:
        host = self._local_host
        if host is None:
            from pixel_desktop.docker.hosts import resolve_host

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
        return planning.pick_build(self.store, project, build_id)

    def plan_deploy(
        self, slug: str, target: str, build_id: int | None = None, via: str | None = None
    ) -> Plan:
        return planning.plan_deploy(self.store, slug, target, build_id, via)

    def plan_rollback(self, slug: str, target: str) -> Plan:
        return planning.plan_rollback(self.store, slug, target)

    def _registry_auth(self, plan: Plan) -> dict[str, str] | None:
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
        cancelled: CancelToken = never_cancelled,
    ) -> DeploymentRecord:
        """Deploy a build (default: the last completed one) and wait. Returns the final
        record; its status tells healthy / failed / rolled_back / cancelled (no raise)."""
        started = self.start(self.plan_deploy(slug, target, build_id, via))
        return self.run(started, on_progress, cancelled)

    def rollback(
        self,
        slug: str,
        target: str,
        on_progress: Progress | None = None,
        cancelled: CancelToken = never_cancelled,
    ) -> DeploymentRecord:
        """Redeploy the healthy deployment before the current one (a different image)."""
        started = self.start(self.plan_rollback(slug, target))
        return self.run(started, on_progress, cancelled)

    def check_target(
        self, name: str, port: int | None = None, slug: str | None = None
    ) -> TargetCheck:
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
            return health.sample(docker, project, tgt, self._http_get)

    def sampler(self, slug: str, target: str) -> LiveSampler:
        """Samples of the live deployment over one kept connection (the GUI chart's ticks)."""
        from pixel_desktop.deploy.sampler import LiveSampler

        project = self.store.projects.get(slug)
        tgt = self.store.targets.get(target)
        return LiveSampler(
            lambda: self._connect(tgt.docker_host, tgt.name), project, tgt, self._http_get
        )

    # ---------------------------------------------------------------- stop / remove / logs
    def stop(self, slug: str, target: str) -> DeploymentRecord:
        """Stop what the project runs on the target (containers or service kept) and add a
        ``stopped`` entry to its history, whose snapshot's ``note`` says what was done."""
        return self._end(slug, target, "stopped")

    def remove(self, slug: str, target: str) -> DeploymentRecord:
        """Remove what the project runs on the target and add a ``removed`` history entry."""
        return self._end(slug, target, "removed")

    def _end(self, slug: str, target: str, status: str) -> DeploymentRecord:
        from pixel_desktop.deploy import lifecycle

        project = self.store.projects.get(slug)
        tgt = self.store.targets.get(target)
        last = next(
            (d for d in self.store.deployments.list(slug, limit=500) if d.target_name == tgt.name),
            None,
        )
        if last is None:
            raise InputError(
                f"{slug} was never deployed to {tgt.name}; there is nothing to "
                f"{'stop' if status == 'stopped' else 'remove'}."
            )
        lock = deploy_lock.DeployLock(project.slug, tgt.name)
        if not lock.try_acquire():
            raise DeployError(
                f"A deploy or rollback of {slug} to {tgt.name} is running (process "
                f"{lock.holder()}); cancel it or wait for it to finish, then try again."
            )
        try:
            with self._connect(tgt.docker_host, tgt.name) as docker:
                act = lifecycle.stop if status == "stopped" else lifecycle.remove
                outcome = act(docker, tgt, project.slug)
            log.info("deployment of %s on %s %s: %s", slug, tgt.name, status, outcome.message)
            return self.store.deployments.create(
                project.id,
                tgt.name,
                last.image_ref,
                build_id=last.build_id,
                digest=last.digest,
                config_snapshot={
                    "action": "stop" if status == "stopped" else "remove",
                    "of_deployment": last.id,
                    "kind": tgt.kind,
                    "docker_host": tgt.docker_host,
                    "runner_host": socket.gethostname(),
                    "changed": list(outcome.changed),
                    "note": outcome.message,
                },
                status=status,
            )
        finally:
            lock.release()

    def logs(
        self, slug: str, target: str, *, tail: int | None = 200, follow: bool = False
    ) -> DeploymentLog:
        """The log of what the project runs on the target; close it to stop following."""
        from pixel_desktop.deploy import lifecycle

        project = self.store.projects.get(slug)
        tgt = self.store.targets.get(target)
        docker = self._connect(tgt.docker_host, tgt.name)
        try:
            source, stream = lifecycle.logs(docker, tgt, project.slug, tail=tail, follow=follow)
        except BaseException:
            docker.close()
            raise
        return DeploymentLog(source, stream, docker)

    # ---------------------------------------------------------------- start / run
    def start(self, plan: Plan) -> StartedDeploy:
        """Take the (project, target) lock and record the deployment ``pending``.

        Raises ``DeployError`` when another deploy of the same project to the same target
        runs (in any process); nothing is recorded then."""
        project, target = plan.project, plan.target
        kind: JobKind = "rollback" if plan.extra else "deploy"
        lock = deploy_lock.DeployLock(project.slug, target.name)
        if not lock.try_acquire():
            raise DeployError(
                f"Another deploy or rollback of {project.slug} to {target.name} is running "
                f"(process {lock.holder()}); wait for it to finish and try again."
            )
        try:
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
                    **dict(plan.extra),
                },
            )
            record = self.store.deployments.create(
                project.id,
                target.name,
                plan.image_ref,
                build_id=plan.build_id,
                digest=plan.digest,
                config_snapshot=runtime.snapshot,
                status="pending",
            )
        except BaseException:
            lock.release()
            raise
        self._secret_values[record.id] = {
            runtime.env[name] for name in project.spec.deployment.secret_env if runtime.env.get(name)
        }
        url = health.public_url(project, target)
        return StartedDeploy(plan, record, kind, runtime.env, url, lock, runtime.warnings)

    def abandon(
        self, started: StartedDeploy, message: str, on_progress: Progress | None = None
    ) -> DeploymentRecord:
        """End a started deploy that never ran (cancelled while waiting): nothing on the
        target changed."""
        try:
            final = self.store.deployments.set_status(started.id, "cancelled", error_message=message)
            self._finish(final, started.kind, on_progress)
            return final
        finally:
            self._secret_values.pop(started.id, None)
            started.lock.release()

    def run(
        self,
        started: StartedDeploy,
        on_progress: Progress | None = None,
        cancelled: CancelToken = never_cancelled,
    ) -> DeploymentRecord:
        """Run a started deploy to its end; always ends the record and releases the lock."""
        try:
            self.store.deployments.set_status(started.id, "deploying")
            return self._run_recorded(started, on_progress, cancelled)
        finally:
            self._secret_values.pop(started.id, None)
            started.lock.release()

    def _run_recorded(
        self, started: StartedDeploy, on_progress: Progress | None, cancelled: CancelToken
    ) -> DeploymentRecord:
        plan, dep_id, kind, url = started.plan, started.id, started.kind, started.url
        target = plan.target

        def emit(stage: str, message: str) -> None:
            self._emit(on_progress, dep_id, kind, stage, message)

        def remember_secret(value: str) -> None:
            self._secret_values.setdefault(dep_id, set()).add(value)

        digest: str | None = None
        try:
            if cancelled():
                raise DeployCancelled("Cancelled before it started; nothing on the target changed.")
            for warning in started.warnings:
                emit("preparing", f"warning: {warning}")
            emit("connecting", f"connecting to {target.docker_host}")
            with self._connect(target.docker_host, target.name) as docker:
                rollout = Rollout(
                    docker=docker,
                    plan=plan,
                    env=started.env,
                    deployment_id=dep_id,
                    url=url,
                    emit=emit,
                    http_get=lambda u, t: self._http_get(u, t),
                    health_timeout_s=self.health_timeout_s,
                    swarm_timeout_s=self.swarm_timeout_s,
                    registry_auth=lambda: self._registry_auth(plan),
                    cancelled=cancelled,
                )
                digest = ensure_image(rollout, self._local, remember_secret)
                strategy = swarm.run if target.kind == "swarm" else single_host.run
                strategy(rollout)
        except DeployCancelled as exc:
            final = self.store.deployments.set_status(
                dep_id, "cancelled", error_message=self._redacted(dep_id, exc.message)
            )
        except RolledBack as exc:
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
            self._finish(final, kind, on_progress)
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
            self._finish(final, kind, on_progress)
            raise
        else:
            fields: dict[str, Any] = {"url": url}
            if digest and not plan.digest:
                fields["digest"] = digest
            final = self.store.deployments.set_status(dep_id, "healthy", **fields)
        self._finish(final, kind, on_progress)
        return final

    def _finish(
        self, final: DeploymentRecord, kind: JobKind, on_progress: Progress | None
    ) -> None:
        event = DeployFinished(final.id, final.status, final.url, final.error_message, kind=kind)
        if self.bus is not None:
            self.bus.publish(event)
        if on_progress is not None:
            on_progress(event)


__all__ = ["SWARM_REPLICAS", "VIAS", "DeployService", "DeploymentLog", "StartedDeploy"]
