"""Fixtures for codegen unit tests: the sample spec and the generated service importable."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pixel_desktop.codegen import render_project, write_files
from pixel_desktop.spec import ProjectSpec, load_spec_file

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "acme-support.yaml"
BASE = "pixel-local/python:3.11-bookworm"
SERVICE_PACKAGES = ("assistant", "config")


@pytest.fixture(scope="session")
def acme_spec() -> ProjectSpec:
    return load_spec_file(SAMPLE)


def _purge() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in SERVICE_PACKAGES:
            del sys.modules[name]


@pytest.fixture
def load_service(tmp_path: Path) -> Iterator[Callable[..., Callable[[str], ModuleType]]]:
    """Render a spec into tmp and return an importer for the generated stdlib-only modules
    (``assistant.*``, ``config.settings``); cleans sys.modules/sys.path afterwards."""
    added: list[str] = []

    def load(spec: ProjectSpec, template: str = "faq-assistant") -> Callable[[str], ModuleType]:
        dest = tmp_path / f"service-{len(added)}"
        write_files(render_project(spec, template, base_image=BASE), dest)
        _purge()
        sys.path.insert(0, str(dest))
        added.append(str(dest))
        return importlib.import_module

    yield load
    _purge()
    for entry in added:
        if entry in sys.path:
            sys.path.remove(entry)


# The semantic retrieval's model for every test here (autouse, session-wide).
from assistant_model import assistant_model_dir  # noqa: E402, F401
