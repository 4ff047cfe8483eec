"""Project operations: list, open, save, create, import/export, secrets of a project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.projects import ImportOutcome
    from pixel_desktop.app.records import ProjectRecord, ProjectSummary
    from pixel_desktop.errors import PixelError
    from pixel_desktop.gui.services import Services
    from pixel_desktop.spec import ProjectSpec


def project_summaries(services: Services, search: str | None) -> QueryOp[list[ProjectSummary]]:
    """What the tree shows (id, slug, name, client, template, version): no spec is read."""
    return QueryOp("list projects", lambda: services.project_summaries(search))


def import_sample_if_empty(services: Services) -> ChangeOp[ProjectRecord | None]:
    return ChangeOp("import sample project", services.import_sample_if_empty)


def get_project(services: Services, slug: str) -> QueryOp[ProjectRecord]:
    return QueryOp("get project", lambda: services.get_project(slug))


def update_project(services: Services, slug: str, spec: ProjectSpec, expected_version: int) -> ChangeOp[ProjectRecord]:
    """Save; a ``ConflictError`` when someone saved another version since it was opened."""
    return ChangeOp("save project", lambda: services.update_project(slug, spec, expected_version))


def overwrite_project(services: Services, slug: str, spec: ProjectSpec) -> ChangeOp[ProjectRecord]:
    return ChangeOp("overwrite project", lambda: services.overwrite_project(slug, spec))


def rename_project(services: Services, slug: str, new_slug: str, expected_version: int) -> ChangeOp[ProjectRecord]:
    """A taken or malformed slug, or a save by someone else since, is refused: nothing changes."""
    return ChangeOp("rename project", lambda: services.rename_project(slug, new_slug, expected_version))


def create_project(services: Services, spec: ProjectSpec) -> ChangeOp[ProjectRecord]:
    return ChangeOp("create project", lambda: services.create_project(spec))


def import_spec(services: Services, path: Path, *, replace: bool = False) -> ChangeOp[ProjectRecord]:
    return ChangeOp("import project", lambda: services.import_spec(path, replace=replace))


def import_specs(
    services: Services, paths: list[Path], *, replace: bool = False
) -> ChangeOp[tuple[list[ImportOutcome], PixelError | None]]:
    return ChangeOp("import projects", lambda: services.import_specs(paths, replace=replace))


def export_spec(services: Services, slug: str, path: Path) -> QueryOp[Path]:
    return QueryOp("export project", lambda: services.export_spec(slug, path))


def secret_states(services: Services, project: ProjectRecord, names: list[str]) -> QueryOp[dict[str, bool]]:
    """Which of the project's secret env names have a value in the OS keyring."""
    return QueryOp("secret states", lambda: {n: services.has_project_secret(project, n) for n in names})


def set_secret(services: Services, slug: str, name: str, value: str, project: ProjectRecord | None = None) -> ChangeOp[None]:
    """Store a secret value in the keyring; ``project`` saves a lookup when it is at hand."""

    def store() -> None:
        owner = project if project is not None else services.get_project(slug)
        services.set_project_secret(owner, name, value)

    return ChangeOp("set project secret", store)
