"""Plain values passed between codegen, the engine, the store and the GUI preview."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

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


class RenderContext(TypedDict):
    """The values every template and builder renders from (``render.render_context``).

    A TypedDict, not a dataclass, because Jinja takes it as keyword arguments
    (``template.render(**ctx)``); the keys are typed so a builder cannot read one that
    the context does not have.
    """

    slug: str
    name: str
    client: str
    description: str
    name_md: str
    description_md: str
    project_id: int | None
    template_set: str
    mode: str
    service_version: str
    base_image: str
    image: str  # the repository the build engine tags; the bundle puts its exact image here
    k8s_name: str
    uid: int
    port: int
    zone: str
    chat_path: str
    health_path: str
    env_vars: dict[str, str]
    env_names: list[str]
    secret_env: list[str]
    requirements: list[str]
    retrieval: Literal["semantic", "lexical"]
    semantic: bool
    no_deps_requirements: list[str]
    build_only_requirements: list[str]
