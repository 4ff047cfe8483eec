"""Plain values passed between codegen, the engine, the store and the GUI preview."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROLES = ("code", "data", "deployment", "docs", "tests", "build")


@dataclass(frozen=True)
class GeneratedFile:
    """One rendered file: a relative POSIX path, its exact bytes and what it is for."""

    path: str
    content: bytes
    role: str  # code | data | deployment | docs | tests | build

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


@dataclass(frozen=True)
class TemplateSet:
    """A folder of build-templates/ with a template.yaml manifest.

    ``layers`` are the folders whose files make up the set, shared ones first; a later
    layer's file replaces an earlier one with the same path.
    """

    name: str
    description: str
    variables: tuple[str, ...]
    path: Path
    mode: str = "offline"
    layers: tuple[Path, ...] = ()
    requirements: tuple[str, ...] = ()
    generated: tuple[tuple[str, str], ...] = ()
    # Semantic retrieval only: runtime pins installed with --no-deps (their declared
    # dependencies serve features the service never uses) and build-stage-only pins (the
    # embedding model's package, whose weights are exported and the package left behind).
    semantic_no_deps: tuple[str, ...] = ()
    semantic_build_only: tuple[str, ...] = ()
    semantic_requirements: tuple[str, ...] = ()
