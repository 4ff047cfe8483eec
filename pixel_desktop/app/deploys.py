"""Deploys: deploy, roll back, history, target checks, live samples and handover bundles.

Why one place: ``pixel deploy`` and the Deploy tab run the same health-gated rollout with
the same build choice and the same refusals; both only format the final record.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixel_desktop.app.context import AppContext
from pixel_desktop.errors import InputError
from pixel_desktop.events import EventBus
from pixel_desktop.store.records import BuildRecord, DeploymentRecord

if TYPE_CHECKING:
    from pixel_desktop.deploy import BundleResult, DeploySample, DeployService, TargetCheck
    from pixel_desktop.deploy.events import DeployProgress

    Progress = Callable[[DeployProgress], None]
else:
    Progress = Callable[[Any], None]


class Deploys:
    def __init__(self, ctx: AppContext, bus: EventBus | None = None) -> None:
        self._ctx = ctx
        self._bus = bus

    def service(self) -> DeployService:
        """A DeployService on the current settings; its progress also goes to the bus.
        One per call: each start sweeps deployments a dead process left unfinished."""
        from pixel_desktop.deploy import DeployService

        return DeployService(self._ctx.store, self._ctx.settings, bus=self._bus)

    def deploy(
        self,
        slug: str,
        target: str,
        *,
        build_id: int | None = None,
        via: str | None = None,
        on_progress: Progress | None = None,
    ) -> DeploymentRecord:
        """Deploy a build (default: the last completed one); the final record's status says
        healthy / failed / rolled_back."""
        return self.service().deploy(slug, target, build_id=build_id, via=via, on_progress=on_progress)

    def rollback(self, slug: str, target: str, *, on_progress: Progress | None = None) -> DeploymentRecord:
        return self.service().rollback(slug, target, on_progress=on_progress)

    def list(self, slug: str | None = None, limit: int = 100) -> list[DeploymentRecord]:
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
        from pixel_desktop.docker.gateway import resolve_host

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

    @staticmethod
    def bundle_summary(result: BundleResult) -> dict[str, Any]:
        from pixel_desktop.deploy import bundle

        return bundle.bundle_summary(result)


def is_progress(event: object) -> bool:
    """True for a deploy's progress event (what ``pixel deploy`` prints as it goes)."""
    from pixel_desktop.deploy.events import DeployProgress

    return isinstance(event, DeployProgress)
