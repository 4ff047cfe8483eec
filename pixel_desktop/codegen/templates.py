"""Discovery of template sets in build-templates/ and their manifests (template.yaml).

A set is a folder whose name does not start with ``_`` and that holds a ``template.yaml``
(name, description, variables, mode, include). ``include`` names shared folders such as
``_common``: their files and manifest entries come first, so the service code shared by
all sets exists once. A broken manifest is reported with the file and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pixel_desktop import paths
from pixel_desktop.codegen.model import TemplateSet
from pixel_desktop.errors import InputError, NotFoundError

MANIFEST = "template.yaml"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_INCLUDE_RE = re.compile(r"^_[a-z0-9_-]{1,62}$")
MODES = ("offline", "llm")


class TemplateError(InputError):
    """A template set's manifest or files are invalid."""


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"Cannot read {path}: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: the manifest must be a mapping (name, description, ...).")
    return data


def _str_list(data: dict[str, Any], key: str, where: Path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TemplateError(f"{where}: `{key}` must be a list of strings.")
    return value


def _generated(data: dict[str, Any], where: Path) -> dict[str, str]:
    value = data.get("generated", {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TemplateError(f"{where}: `generated` must map output paths to builder names.")
    return value


def load_template_set(folder: Path) -> TemplateSet:
    manifest_path = folder / MANIFEST
    data = _read_manifest(manifest_path)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name) or name != folder.name:
        raise TemplateError(
            f"{manifest_path}: `name` must equal the folder name ({folder.name!r}) and use a-z, 0-9, '-'."
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise TemplateError(f"{manifest_path}: `description` must be text.")
    mode = data.get("mode", "offline")
    if mode not in MODES:
        raise TemplateError(f"{manifest_path}: `mode` must be one of {', '.join(MODES)}.")
    layers: list[Path] = []
    variables: list[str] = []
    requirements: list[str] = []
    generated: dict[str, str] = {}
    semantic: dict[str, list[str]] = {"requirements": [], "no_deps": [], "build_only": []}
    for include in _str_list(data, "include", manifest_path):
        if not _INCLUDE_RE.match(include):
            raise TemplateError(f"{manifest_path}: include {include!r} must be a shared folder name like _common.")
        shared = folder.parent / include
        if not shared.is_dir():
            raise TemplateError(f"{manifest_path}: included folder {include!r} does not exist.")
        shared_manifest = shared / MANIFEST
        if shared_manifest.is_file():
            shared_data = _read_manifest(shared_manifest)
            variables += _str_list(shared_data, "variables", shared_manifest)
            requirements += _str_list(shared_data, "requirements", shared_manifest)
            generated.update(_generated(shared_data, shared_manifest))
            _add_semantic(semantic, shared_data, shared_manifest)
        layers.append(shared)
    layers.append(folder)
    variables += _str_list(data, "variables", manifest_path)
    requirements += _str_list(data, "requirements", manifest_path)
    generated.update(_generated(data, manifest_path))
    _add_semantic(semantic, data, manifest_path)
    return TemplateSet(
        name=name,
        description=" ".join(description.split()),
        variables=tuple(dict.fromkeys(variables)),
        path=folder,
        mode=mode,
        layers=tuple(layers),
        requirements=tuple(requirements),
        generated=tuple(sorted(generated.items())),
        semantic_requirements=tuple(semantic["requirements"]),
        semantic_no_deps=tuple(semantic["no_deps"]),
        semantic_build_only=tuple(semantic["build_only"]),
    )


def _add_semantic(into: dict[str, list[str]], data: dict[str, Any], where: Path) -> None:
    """The manifest's ``semantic:`` block: pins that only the semantic retrieval mode needs."""
    block = data.get("semantic")
    if block is None:
        return
    if not isinstance(block, dict) or set(block) - set(into):
        raise TemplateError(f"{where}: `semantic` must map {', '.join(into)} to lists of pins.")
    for key in into:
        into[key] += _str_list(block, key, where)


def list_template_sets(root: Path | None = None) -> list[TemplateSet]:
    """All valid sets under ``root`` (default: the bundled build-templates/), sorted by name."""
    base = root or paths.templates_root()
    if not base.is_dir():
        raise TemplateError(f"Template folder {base} does not exist; reinstall Pixel or set PIXEL_TEMPLATES_DIR.")
    return [
        load_template_set(child)
        for child in sorted(base.iterdir())
        if child.is_dir() and not child.name.startswith((".", "_")) and (child / MANIFEST).is_file()
    ]


def get_template_set(name: str, root: Path | None = None) -> TemplateSet:
    sets = list_template_sets(root)
    for candidate in sets:
        if candidate.name == name:
            return candidate
    available = ", ".join(s.name for s in sets) or "none"
    raise NotFoundError(f"Template set {name!r} does not exist. Available: {available}.")
