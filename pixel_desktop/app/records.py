"""The records and reports the use cases return, importable by the front ends.

Why a re-export: the CLI and the GUI may only import the app layer (the import contracts in
pyproject.toml), yet they name these types in annotations. The records are the store's
frozen dataclasses, never ORM rows.
"""

from __future__ import annotations

from pixel_desktop.app.builds import BuildCounts
from pixel_desktop.app.registries import RegistryCheck, RegistryListing
from pixel_desktop.app.settings import DaemonState
from pixel_desktop.app.templates import Generated
from pixel_desktop.cleanup import DeletedProject
from pixel_desktop.codegen import GeneratedFile, TemplateSet
from pixel_desktop.store.records import (
    ArtifactRecord,
    BuildRecord,
    DeploymentRecord,
    ProjectRecord,
    ProjectSummary,
    RegistryRecord,
    TargetRecord,
)

__all__ = [
    "ArtifactRecord",
    "BuildCounts",
    "BuildRecord",
    "DaemonState",
    "DeletedProject",
    "DeploymentRecord",
    "Generated",
    "GeneratedFile",
    "ProjectRecord",
    "ProjectSummary",
    "RegistryCheck",
    "RegistryListing",
    "RegistryRecord",
    "TargetRecord",
    "TemplateSet",
]
