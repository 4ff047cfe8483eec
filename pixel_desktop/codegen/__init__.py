"""Code generation: template sets, safe rendering and build-context assembly.

The public API used by the CLI, the engine and the GUI preview::

    files = render_project(spec, "faq-assistant", base_image="python:3.12-slim")
    write_build_context(files, workspace)      # engine adds workspace/wheels/
    requirements_for(files)                    # wheelhouse cache key
"""

from pixel_desktop.codegen.context import (
    WHEELS_DIR,
    requirements_for,
    write_build_context,
    write_files,
)
from pixel_desktop.codegen.model import GeneratedFile, TemplateSet
from pixel_desktop.codegen.render import render_project
from pixel_desktop.codegen.templates import TemplateError, get_template_set, list_template_sets

__all__ = [
    "WHEELS_DIR",
    "GeneratedFile",
    "TemplateError",
    "TemplateSet",
    "get_template_set",
    "list_template_sets",
    "render_project",
    "requirements_for",
    "write_build_context",
    "write_files",
]
