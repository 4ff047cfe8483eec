"""What a deploy or rollback will put where: the build (or earlier deployment) and the transfer.

Planning reads the store only and raises ``InputError`` for anything the user must fix, so a
job runner can plan at submit time — before any record, lock or Docker connection exists —
and report a bad request synchronously.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pixel_desktop.errors import InputError
from pixel_desktop.store.records import BuildRecord, ProjectRecord, TargetRecord

if TYPE_CHECKING:
    from pixel_desktop.store import Store

VIAS = ("registry", "load")
Via = Literal["registry", "load"]


@dataclass(frozen=True, slots=True)
class Plan:
    """One rollout's inputs; ``extra`` lands in the deployment's config snapshot."""

    project: ProjectRecord
    target: TargetRecord
    image_ref: str
    digest: str | None
    build_id: int | None
    via: Via
    registry_name: str | None
    extra: tuple[tuple[str, int], ...] = ()  # rollback_of / rollback_to


def pick_build(store: Store, project: ProjectRecord, build_id: int | None) -> BuildRecord:
    """The build to deploy: ``build_id`` when given (must be a completed build of the
    project), else the project's last completed one."""
    if build_id is not None:
        build = store.builds.get(build_id)
        if build.project_id != project.id:
            raise InputError(f"Build {build_id} belongs to {build.project_slug}, not {project.slug}.")
        if build.status != "completed":
            raise InputError(
                f"Build {build_id} of {project.slug} is {build.status}; only completed builds "
                "can be deployed."
            )
        return build
    last = store.builds.last_successful(project.id)
    if last is None:
        raise InputError(
            f"{project.slug} has no completed build yet; build it first: pixel build {project.slug}"
        )
    return last


def plan_deploy(
    store: Store, slug: str, target_name: str, build_id: int | None, via: str | None
) -> Plan:
    project = store.projects.get(slug)
    target = store.targets.get(target_name)
    build = pick_build(store, project, build_id)
    if via is not None and via not in VIAS:
        raise InputError(f"Invalid --via {via!r}: use registry or load.")
    via = via or ("registry" if build.pushed_ref else "load")
    if via == "registry":
        if not build.pushed_ref:
            raise InputError(
                f"Build {build.id} of {slug} was not pushed to a registry; push it "
                f"(pixel build {slug} --push REGISTRY) or deploy with --via load."
            )
        return Plan(
            project, target, build.pushed_ref, build.digest, build.id, "registry", build.registry_name
        )
    if not build.image_name:
        raise InputError(f"Build {build.id} of {slug} has no image; rebuild it.")
    return Plan(
        project, target, build.image_name, build.digest or build.image_id, build.id, "load", None
    )


def plan_rollback(store: Store, slug: str, target_name: str) -> Plan:
    """Redeploy the healthy deployment before the current one (a different image)."""
    project = store.projects.get(slug)
    tgt = store.targets.get(target_name)
    current = store.deployments.last_healthy(project.id, tgt.name)
    if current is None:
        raise InputError(f"{slug} has no healthy deployment on {target_name} to roll back from.")
    previous = store.deployments.last_healthy(project.id, tgt.name, before_id=current.id)
    while previous is not None and previous.image_ref == current.image_ref:
        previous = store.deployments.last_healthy(project.id, tgt.name, before_id=previous.id)
    if previous is None:
        raise InputError(
            f"{slug} has no earlier healthy deployment on {target_name} with a different image; "
            "nothing to roll back to."
        )
    via = str(previous.config_snapshot.get("via") or "load")
    return Plan(
        project,
        tgt,
        previous.image_ref,
        previous.digest,
        previous.build_id,
        "registry" if via == "registry" else "load",
        previous.config_snapshot.get("registry"),
        extra=(("rollback_of", current.id), ("rollback_to", previous.id)),
    )

