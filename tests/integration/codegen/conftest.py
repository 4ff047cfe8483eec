"""Fixtures for codegen integration tests: real validators and generated folders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


@pytest.fixture(scope="session", autouse=True)
def assistant_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The semantic retrieval's model, exported once; the generated service finds it through
    ASSISTANT_MODEL_DIR (inherited by the subprocesses some tests start)."""
    import os

    from assistant_model import export_model

    folder = export_model(tmp_path_factory.mktemp("assistant-model"))
    previous = os.environ.get("ASSISTANT_MODEL_DIR")
    os.environ["ASSISTANT_MODEL_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("ASSISTANT_MODEL_DIR", None)
    else:
        os.environ["ASSISTANT_MODEL_DIR"] = previous
