"""Fixtures for codegen integration tests: real validators and generated folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pixel_desktop.codegen import render_project, write_files
from pixel_desktop.spec import ProjectSpec, load_spec_file

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "acme-support.yaml"


@pytest.fixture(scope="session")
def acme_spec() -> ProjectSpec:
    return load_spec_file(SAMPLE)


@pytest.fixture
def generate(tmp_path: Path) -> Callable[..., Path]:
    def _generate(spec: ProjectSpec, template: str = "faq-assistant",
                  base_image: str = "pixel-local/python:3.11-bookworm", name: str = "out") -> Path:
        dest = tmp_path / name
        write_files(render_project(spec, template, base_image=base_image), dest)
        return dest

    return _generate


# The semantic retrieval's model for every test here (autouse, session-wide).
from assistant_model import assistant_model_dir  # noqa: E402, F401
