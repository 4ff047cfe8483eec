"""The code a client receives is lint-clean (ruff with the project's rule set)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pixel_desktop.codegen import render_project, write_files

RULES = "E,F,W,I,B,UP,SIM,RUF"


def _ruff() -> str:
    candidate = Path(sys.executable).parent / "ruff"
    found = str(candidate) if candidate.is_file() else shutil.which("ruff")
    assert found, "ruff is a dev dependency (pip install -e '.[dev]')"
    return found


@pytest.mark.parametrize("template", ["faq-assistant", "llm-assistant"])
def test_generated_python_passes_ruff(acme_spec, tmp_path, template):
    write_files(render_project(acme_spec, template, base_image="python:3.12-slim"), tmp_path)
    proc = subprocess.run(
        [_ruff(), "check", "--isolated", "--no-cache", "--target-version", "py311", "--select", RULES,
         "--ignore", "E501", "--output-format", "concise", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
