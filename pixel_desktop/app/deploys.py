"""Deploys: deploy, roll back, history, target checks, live samples and handover bundles.

Why one place: ``pixel deploy`` and the Deploy tab run the same health-gated rollout with
the same build choice and the same refusals; both only format the final record. Deploys and
rollbacks are jobs of the app's one runner: the deployment record (``pending``) exists when
``submit`` returns, events carry the job, and ``cancel`` ends the record ``cancelled`` with
what was left running said in its message.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pixel_desktop.app.context import AppContext
from pixel_desktop.app.jobs import Jobs
from pixel_desktop.errors import InputError
from pixel_desktop.events import EventBus, JobRef
from pixel_desktop.store.records import BuildRecord, DeploymentRecord

if TYPE_CHECKING:
    from pixel_desktop.deploy import BundleResult, DeploySample, DeployService, TargetCheck
    from pixel_desktop.deploy.events import DeployFinished, DeployProgress
    from pixel_desktop.deploy.sampler import LiveSampler
    from pixel_desktop.deploy.service import DeploymentLog

    Progress = Callable[[DeployProgress | DeployFinished], None]
else:
    Progress = Callable[[Any], None]


# Statuses that decide what runs on a target after them: a newer healthy deployment
# replaces the one before; a stop or removal ends it. A failed, rolled-back, cancelled or
# unfinished deploy leaves the previous version serving.
_DECIDING_STATUSES = ("healthy", "stopped", "removed")


class DeploymentState(Protocol):
    """What :func:`serving_ids` reads of a deployment (a record, or the GUI's row)."""

    @property
    def id(self) -> int: ...
    @property
    def project_slug(self) -> str: ...
    @property
    def target_name(self) -> str: ...
    @property
    def status(self) -> str: ...


def serving_ids(records: Iterable[DeploymentState]) -> set[int]:
    """The deployments that serve now, per project and target: the newest healthy one,
    unless a newer stop or removal ended it (see :func:`now_states`)."""
    return {i for i, state in now_states(records).items() if state == "serving"}


def now_states(records: Iterable[DeploymentState]) -> dict[int, str]:
    """What became of each deployment that passed its health check, per project and target:
    ``serving`` (the newest healthy one), ``stopped`` or ``removed`` (the one a newer stop or
    removal ended), else ``replaced`` (a newer deployment took over). Why: every such
    deployment keeps the status ``healthy`` in the history, so the status alone made
    replaced or stopped versions look live (`pixel deployments list`, the Deploy tab)."""
    states: dict[int, str] = {}
    latest: dict[tuple[str, str], str] = {}  # newest deciding status seen per key, newest first
    for record in sorted(records, key=lambda r: r.id, reverse=True):
        if record.status not in _DECIDING_STATUSES:
            continue
        key = (record.project_slug, record.target_name)
        newer = latest.get(key)
        latest[key] = record.status
        if record.status != "healthy":
            continue
        if newer is None:
            states[record.id] = "serving"
        elif newer in ("stopped", "removed"):
            states[record.id] = newer  # what the stop or removal ended
        else:
            states[record.id] = "replaced"
    return states


# How long a cancelled deploy may take to put the previous version back before the caller
# stops waiting for its record (the job goes on to finish it either way).
CANCEL_GRACE_S = 120.0
_POLL_S = 0.25  # waits in slices so Ctrl+C reaches the waiting thread at once


class Deploys:
    def __init__(self, ctx: AppContext, bus: EventBus, jobs: Jobs) -> None:
        self._ctx = ctx
        self._bus = bus
        self._jobs = jobs

    def service(self) -> DeployService:
        """A DeployService on the current settings; its progress also goes to the bus.
        One per call: each start sweeps deployments a dead process left unfinished."""
        from pixel_desktop.deploy import DeployService

        return DeployService(self._ctx.store, self._ctx.settings, bus=self._bus)

    # ---------------------------------------------------------------- jobs
    def submit(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        """Start a deploy job; every refusal (unknown project/target, nothing deployable,
        another deploy of it running) is raised here, before anything is recorded."""
        return self._jobs.runner.submit_deploy(slug, target, build_id=build_id, via=via)

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        """Start a rollback job to the healthy deployment before the current one."""
        return self._jobs.runner.submit_rollback(slug, target)

    def cancel(self, job: JobRef) -> bool:
        """Cancel a deploy or rollback job of this process; False when it is not active here."""
        runner = self._jobs.started
        return runner.cancel(job) if runner is not None else False

    def cancel_anywhere(self, deployment_id: int) -> str:
        """Cancel a deploy or rollback wherever it runs (this process, or another on this
        machine through a cancel request it polls); a sentence saying what happened. An
        ended deployment is an InputError naming its status."""
        from pixel_desktop.jobs.local import LocalJobRunner, cancel_anywhere

        if deployment_id <= 0:
            raise InputError("Deployment ids are positive integers (see `pixel deployments list`).")
        runner = self._jobs.started
        return cancel_anywhere(
            self._ctx.store,
            JobRef("deploy", deployment_id),
            runner if isinstance(runner, LocalJobRunner) else None,
        )

    def wait(self, job: JobRef, timeout: float | None = None) -> DeploymentRecord:
        """The job's final deployment record (TimeoutError while it still runs)."""
        self._jobs.runner.wait(job, timeout=timeout)
        return self._ctx.store.deployments.get(job.id)

    def deploy(
        self,
        slug: str,
        target: str,
        *,
        build_id: int | None = None,
        via: str | None = None,
        on_progress: Progress | None = None,
    ) -> DeploymentRecord:
        """Deploy a build (default: the last completed one) and wait for the final record,
        whose status says healthy / failed / rolled_back. Ctrl+C cancels the job, waits for
        it to put the previous version back, and is raised again."""
        return self._follow(self.submit(slug, target, build_id=build_id, via=via), on_progress)

    def rollback(self, slug: str, target: str, *, on_progress: Progress | None = None) -> DeploymentRecord:
        """Redeploy the previous healthy deployment and wait for the final record."""
        return self._follow(self.submit_rollback(slug, target), on_progress)

    def _follow(self, job: JobRef, on_progress: Progress | None) -> DeploymentRecord:
        from pixel_desktop.deploy.events import DeployProgress

        def on_event(event: object) -> None:
            if on_progress is not None and isinstance(event, DeployProgress):
                on_progress(event)

        unsubscribe = self._bus.subscribe_job(job, on_event)  # replays from the first stage
        try:
            while True:
                try:
                    return self.wait(job, timeout=_POLL_S)
                except TimeoutError:
                    continue
        except KeyboardInterrupt:
            self.cancel(job)
            with contextlib.suppress(TimeoutError):
                self._jobs.runner.wait(job, timeout=CANCEL_GRACE_S)
            raise
        finally:
            unsubscribe()

    def sampler(self, slug: str, target: str) -> LiveSampler:
        """The live chart's sampler: one kept connection for all its samples."""
        return self.service().sampler(slug, target)

    def list(self, slug: str | None = None, limit: int = 100) -> builtins.list[DeploymentRecord]:
        if slug:
            self._ctx.store.projects.get(slug)  # NotFoundError for a typo, not an empty list
        return self.service().list(slug, limit=limit)

    def check_target(self, name: str, *, port: int | None = None, slug: str | None = None) -> TargetCheck:
        """Reachable? Docker version, swarm state, the project's port free, free disk."""
        return self.service().check_target(name, port=port, slug=slug)

    def sample(self, slug: str, target: str) -> DeploySample:
        return self.service().sample(slug, target)

    def bundle_build(self, slug: str, build_id: int | None = None) -> BuildRecord:
        project = self._ctx.store.projects.get(slug)
        build = self.service().pick_build(project, build_id)
        if not build.image_name:
            raise InputError(f"Build {build.id} of {slug} has no image; rebuild it.")
        return build

    def bundle(
        self,
        slug: str,
        output: Path,
        *,
        build_id: int | None = None,
        nginx_image: str | None = None,
        on_log: Callable[[str], None] | None = None,
    ) -> BundleResult:
        """An offline handover bundle (.tar.gz) of a completed build, from the local daemon."""
        from pixel_desktop.deploy import bundle, hosts
        from pixel_desktop.docker.hosts import resolve_host

        project = self._ctx.store.projects.get(slug)
        build = self.bundle_build(slug, build_id)
        mtime = int(build.completed_at.timestamp()) if build.completed_at else 0
        with hosts.connect(resolve_host(self._ctx.settings.effective_docker_host())) as local:
            return bundle.write_bundle(
                slug=project.slug,
                spec=project.spec,
                image_ref=build.image_name or "",
                output=Path(output).expanduser().resolve(),
                local=local,
                nginx_image=nginx_image or bundle.DEFAULT_NGINX_IMAGE,
                mtime=mtime,
                on_log=on_log,
            )

    # ---------------------------------------------------------------- stop / remove / logs
    # (issue 14 item 7) Not jobs: each is one short call to the target; they refuse while a
    # deploy of the same project to the same target runs.
    def stop(self, slug: str, target: str) -> DeploymentRecord:
        """Stop what ``slug`` runs on ``target`` (kept); the ``stopped`` history entry."""
        return self.service().stop(slug, target)

    def remove(self, slug: str, target: str) -> DeploymentRecord:
        """Remove what ``slug`` runs on ``target``; the ``removed`` history entry."""
        return self.service().remove(slug, target)

    def logs(
        self, slug: str, target: str, *, tail: int | None = 200, follow: bool = False
    ) -> DeploymentLog:
        """The deployed container's (or Swarm service's) log lines; ``close()`` ends a follow."""
        return self.service().logs(slug, target, tail=tail, follow=follow)

    @staticmethod
    def bundle_summary(result: BundleResult) -> dict[str, Any]:
        from pixel_desktop.deploy import bundle

        return bundle.bundle_summary(result)


def is_progress(event: object) -> bool:
    """True for a deploy's progress event (what ``pixel deploy`` prints as it goes)."""
    from pixel_desktop.deploy.events import DeployProgress

    return isinstance(event, DeployProgress)
