"""Render a project spec through a template set into a sorted list of generated files.

Safety rules (why this module looks the way it does):
- one Jinja environment per template root, ``StrictUndefined``, no autoescape (the output
  is code, not HTML) — and user text is never template *source*, only values;
- values reaching ``.py`` templates go through ``pyliteral`` (exact repr round trip);
- the Dockerfile and nginx.conf only receive values re-validated here (slug, port, endpoint
  paths, image reference), so no user string can become an instruction or a directive;
- JSON/YAML files come from builders that dump data;
- output paths are relative, normalised and never leave the destination.
Output is deterministic: same spec and set, same bytes, sorted by path.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath

import jinja2
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pixel_desktop.codegen.builders import BUILDERS
from pixel_desktop.codegen.literals import pyliteral
from pixel_desktop.codegen.model import GeneratedFile, RenderContext, TemplateSet
from pixel_desktop.codegen.templates import MANIFEST, TemplateError, get_template_set
from pixel_desktop.errors import InputError
from pixel_desktop.spec.model import ENDPOINT_RE, IMAGE_RE, SLUG_RE, ProjectSpec

SERVICE_VERSION = "1.0.0"
SERVICE_UID = 10001
DEFAULT_BASE_IMAGE = "python:3.12-slim"
_SKIP_PARTS = {"__pycache__", ".pytest_cache"}
_BUILD_FILES = {"Dockerfile", ".dockerignore", "requirements.txt", "requirements-no-deps.txt",
                "requirements-build-only.txt"}


@functools.lru_cache(maxsize=8)
def jinja_environment(root: Path) -> jinja2.Environment:
    """The Jinja environment for templates under ``root`` (one per root, created once)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,  # a long-lived process (the app, the build server) sees template edits
    )
    env.filters["pyliteral"] = pyliteral
    return env


def role_for(path: str) -> str:
    if path.startswith("assistant_data/"):
        return "data"
    if path.startswith("deployment/"):
        return "deployment"
    if path.startswith("tests/") or path == "pytest.ini":
        return "tests"
    if path.endswith(".md"):
        return "docs"
    if path in _BUILD_FILES:
        return "build"
    return "code"


def _safe_rel(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(p in ("..", ".", "") for p in pure.parts):
        raise TemplateError(f"Template output path {path!r} must be a plain relative path.")
    return pure.as_posix()


def _checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.fullmatch(value):
        raise InputError(f"{what} {value!r} is not valid; fix it in the project spec.")
    return value


def merged_requirements(pins: tuple[str, ...], extra: list[str]) -> list[str]:
    """Template pins plus the spec's dependencies; a dependency that a pin already satisfies
    is dropped, one that contradicts a pin is an error naming both."""
    pinned: dict[str, Requirement] = {}
    lines: list[str] = []
    for pin in pins:
        req = Requirement(pin)
        pinned[canonicalize_name(req.name)] = req
        lines.append(str(req))
    for dep in extra:
        req = Requirement(dep)
        key = canonicalize_name(req.name)
        if key in pinned:
            version = next(iter(pinned[key].specifier)).version
            if req.specifier and not req.specifier.contains(version, prereleases=True):
                raise InputError(
                    f"Dependency {dep!r} conflicts with the template's pin {pinned[key]}; "
                    "relax the version in the spec's deployment.dependencies."
                )
            continue
        line = str(req)
        if line not in lines:
            lines.append(line)
    return lines


def render_context(
    spec: ProjectSpec, tset: TemplateSet, *, base_image: str, project_id: int | None
) -> RenderContext:
    slug = _checked(SLUG_RE, spec.project_slug, "Slug")
    image = spec.effective_base_image(base_image)
    if len(image) > 255:
        raise InputError(f"Base image {image[:60]!r}... is too long.")
    _checked(IMAGE_RE, image, "Base image")
    endpoints = spec.deployment.endpoints
    chat_path = _checked(ENDPOINT_RE, endpoints.chat, "Chat endpoint")
    health_path = _checked(ENDPOINT_RE, endpoints.health, "Health endpoint")
    port = spec.deployment.port
    if not isinstance(port, int) or not 1024 <= port <= 65535:
        raise InputError(f"Port {port!r} must be a number from 1024 to 65535.")
    env_vars = dict(sorted(spec.deployment.env_vars.items()))
    k8s_name = slug if slug[0].isalpha() else f"a-{slug}"[:63].rstrip("-")
    semantic = spec.retrieval == "semantic"
    return {
        "slug": slug,
        "name": spec.name,
        "client": spec.client,
        "description": spec.description,
        "name_md": " ".join(spec.name.split()),
        "description_md": spec.description.strip(),
        "project_id": project_id,
        "template_set": tset.name,
        "mode": tset.mode,
        "service_version": SERVICE_VERSION,
        "base_image": image,
        # Same repository the build engine tags (pixel/<client>/<project>:latest).
        "image": f"pixel/{spec.client_slug}/{slug}:latest",
        "k8s_name": k8s_name,
        "uid": SERVICE_UID,
        "port": port,
        "zone": slug.replace("-", "_"),
        "chat_path": chat_path,
        "health_path": health_path,
        "env_vars": env_vars,
        "env_names": list(env_vars),
        "secret_env": list(spec.deployment.secret_env),
        "requirements": merged_requirements(
            tset.requirements + (tset.semantic_requirements if semantic else ()),
            list(spec.deployment.dependencies)),
        "retrieval": spec.retrieval,
        "semantic": semantic,
        "no_deps_requirements": list(tset.semantic_no_deps) if semantic else [],
        "build_only_requirements": list(tset.semantic_build_only) if semantic else [],
    }


def _template_files(tset: TemplateSet) -> dict[str, tuple[Path, str]]:
    """Output path -> (layer, path inside the layer); later layers override earlier ones."""
    files: dict[str, tuple[Path, str]] = {}
    for layer in tset.layers:
        for file in sorted(layer.rglob("*")):
            rel = file.relative_to(layer).as_posix()
            if not file.is_file() or rel == MANIFEST or _SKIP_PARTS & set(file.parts) or file.suffix == ".pyc":
                continue
            out = rel[: -len(".j2")] if rel.endswith(".j2") else rel
            files[_safe_rel(out)] = (layer, rel)
    return files


def render_project(
    spec: ProjectSpec,
    template_set: TemplateSet | str | None = None,
    *,
    base_image: str = DEFAULT_BASE_IMAGE,
    project_id: int | None = None,
) -> list[GeneratedFile]:
    """All files of the generated service for ``spec``, sorted by path, deterministic."""
    if template_set is None:
        tset = get_template_set(spec.template)
    elif isinstance(template_set, str):
        tset = get_template_set(template_set)
    else:
        tset = template_set
    ctx = render_context(spec, tset, base_image=base_image, project_id=project_id)
    env = jinja_environment(tset.path.parent.resolve())
    out: dict[str, bytes] = {}
    for path, (layer, rel) in _template_files(tset).items():
        source = layer / rel
        if rel.endswith(".j2"):
            name = f"{layer.resolve().relative_to(tset.path.parent.resolve()).as_posix()}/{rel}"
            try:
                text = env.get_template(name).render(**ctx)
            except jinja2.TemplateError as exc:
                raise TemplateError(f"Template {source} failed to render: {exc}") from exc
            out[path] = text.encode("utf-8")
        else:
            out[path] = source.read_bytes()
    for path, builder_name in tset.generated:
        builder = BUILDERS.get(builder_name)
        if builder is None:
            raise TemplateError(f"{tset.path / MANIFEST}: unknown builder {builder_name!r} for {path}.")
        out[_safe_rel(path)] = builder(spec, ctx)
    return [GeneratedFile(p, out[p], role_for(p)) for p in sorted(out)]
