"""The CLI is a caller of the application layer: no command reaches the store, Docker, the
build pipeline, the job queue or the deploy internals itself (lazy imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[3] / "pixel_desktop" / "cli"
BELOW_THE_APP = ("store", "docker", "build", "jobs", "deploy", "codegen", "spec", "cleanup")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_cli_module_imports_below_the_app_layer() -> None:
    offenders = {
        path.name: sorted(
            m for m in _imports(path) if m.split(".")[:2][-1] in BELOW_THE_APP and m.startswith("pixel_desktop.")
        )
        for path in sorted(CLI.glob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
