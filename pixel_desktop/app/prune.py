"""Prune old build images and workspaces: keep the newest N completed builds per project.

Why this rule: a build's image is what a deploy or a rollback ships, so an image any
deployment may still need is never removed, whatever its age; everything else past the
retention (``keep_builds_per_project`` in the settings, or ``--keep``) only fills the disk.
Only what this store's build records name is touched (their ``pixel/...:bN`` image tags
and their ``build-N`` workspaces), never another store's images on the same daemon. An
image is untagged without force, so one a container still runs (another store's or a
manual ``docker run``) is kept and reported instead.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop import paths
from pixel_desktop.app.context import AppContext
from pixel_desktop.errors import DockerNotFoundError, InputError, PixelError
from pixel_desktop.kinds import TERMINAL_BUILD_STATUSES
from pixel_desktop.store.records import BuildRecord

if TYPE_CHECKING:
    from pixel_desktop.docker.client import DockerClient

# A deployment in these states runs (or may run again) its image: keep it.
_IN_USE = ("pending", "deploying", "healthy", "stopped")
_ALL = 1_000_000


@dataclass(frozen=True, slots=True)
class PruneItem:
    build_id: int
    project_slug: str
    image: str | None  # image tag to remove (None: no image left to remove)
    workspace: Path | None  # workspace folder to remove (None: none on disk)
    image_id: str | None = None  # what the build made: a tag naming another image is kept
    pushed_ref: str | None = None  # the local tag of its registry push, removed too


@dataclass
class PrunePlan:
    """What a prune removes and what it keeps, with why (for ``--dry-run`` and the report)."""

    keep: int
    items: list[PruneItem] = field(default_factory=list)
    kept_in_use: list[tuple[int, str]] = field(default_factory=list)  # (build id, why)


@dataclass
class PruneResult:
    plan: PrunePlan
    removed_images: list[str] = field(default_factory=list)
    removed_workspaces: list[Path] = field(default_factory=list)
    kept_foreign: list[str] = field(default_factory=list)  # tags now naming another image
    problems: list[str] = field(default_factory=list)  # what could not be removed, and why


class Prune:
    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def plan(self, keep: int | None = None, slug: str | None = None) -> PrunePlan:
        """What ``run`` would remove: per project, every finished build after the newest
        ``keep`` completed ones, except builds a deployment uses or a rollback may need."""
        store = self._ctx.store
        keep = self._ctx.settings.keep_builds_per_project if keep is None else keep
        if keep < 1:
            raise InputError(f"--keep must be at least 1 (got {keep}).")
        projects = [store.projects.get(slug)] if slug else store.projects.list()
        in_use = self._images_in_use()
        plan = PrunePlan(keep=keep)
        for project in projects:
            builds = store.builds.list(project.slug, limit=_ALL)  # newest first
            completed = [b for b in builds if b.status == "completed"]
            kept_ids = {b.id for b in completed[:keep]}
            for build in builds:
                if build.id in kept_ids or build.status not in TERMINAL_BUILD_STATUSES:
                    continue
                why = self._use_of(build, in_use)
                if why:
                    plan.kept_in_use.append((build.id, why))
                    continue
                workspace = self._workspace(build)
                image = build.image_name
                if image is None and workspace is None:
                    continue
                plan.items.append(
                    PruneItem(
                        build.id, project.slug, image, workspace, build.image_id, build.pushed_ref
                    )
                )
        return plan

    def run(self, plan: PrunePlan) -> PruneResult:
        """Remove what ``plan`` lists from the local daemon and the data folder."""
        from pixel_desktop.docker.client import DockerClient
        from pixel_desktop.docker.hosts import resolve_host

        result = PruneResult(plan)
        images = [i for i in plan.items if i.image or i.pushed_ref]
        if images:
            host = resolve_host(self._ctx.settings.effective_docker_host())
            with DockerClient(host) as docker:
                for item in images:
                    for ref in (item.image, item.pushed_ref):
                        if ref:
                            self._remove_tag(docker, ref, item, result)
        for item in plan.items:
            if item.workspace is None:
                continue
            try:
                shutil.rmtree(item.workspace)
                result.removed_workspaces.append(item.workspace)
            except OSError as exc:
                result.problems.append(f"{item.workspace}: {exc}")
        return result

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _remove_tag(docker: DockerClient, ref: str, item: PruneItem, result: PruneResult) -> None:
        """Untag ``ref`` unless it is gone or now names another image: a name from before
        image names carried the store id (or a registry tag) may have been re-tagged by
        another store's build with the same number, which is not ours to remove."""
        try:
            info = docker.inspect_image(ref)
        except DockerNotFoundError:
            return  # already gone (pruned before, or removed by hand)
        if item.image_id and info.id != item.image_id:
            result.kept_foreign.append(ref)
            return
        try:
            docker.remove_image(ref, force=False)
            result.removed_images.append(ref)
        except PixelError as exc:
            result.problems.append(f"{ref}: {exc.message}")

    def _images_in_use(self) -> dict[str, str]:
        """Image ref → why it is kept: per project and target, the image the newest
        deployment runs (or may run again: stopped) and the one a rollback would go back to."""
        used: dict[str, str] = {}
        seen: dict[tuple[str, str], list[str]] = {}  # (project, target) → images kept
        for dep in self._ctx.store.deployments.list(None, limit=_ALL):  # newest first
            key = (dep.project_slug, dep.target_name)
            kept = seen.setdefault(key, [])
            if len(kept) >= 2 or dep.status not in _IN_USE or dep.image_ref in kept:
                continue
            kept.append(dep.image_ref)
            role = "runs" if len(kept) == 1 else "is the rollback of"
            used.setdefault(dep.image_ref, f"deployment {dep.id} on {dep.target_name} {role} it")
        return used

    @staticmethod
    def _use_of(build: BuildRecord, in_use: dict[str, str]) -> str | None:
        for ref in (build.image_name, build.pushed_ref):
            if ref and ref in in_use:
                return in_use[ref]
        return None

    @staticmethod
    def _workspace(build: BuildRecord) -> Path | None:
        folder = paths.workspaces_dir() / f"build-{build.id}"
        return folder if folder.is_dir() else None
