"""Code generation operations (the Files tab): render the project, read the last build's
files for the diff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord, GeneratedFile
    from pixel_desktop.gui.services import Services
    from pixel_desktop.spec import ProjectSpec


def render(services: Services, spec: ProjectSpec, project_id: int | None) -> QueryOp[list[GeneratedFile]]:
    """What a build of ``spec`` would generate now (the preview; nothing is written)."""
    return QueryOp("render project", lambda: services.render(spec, project_id))


def last_build_files(
    services: Services, project_id: int
) -> QueryOp[tuple[BuildRecord | None, dict[str, bytes]]]:
    """(build, {path: content}) of the last successful build, or (None, {})."""
    return QueryOp("last build files", lambda: services.last_build_files(project_id))
