"""The headless core must never pull in Qt, and only the docker package may talk to Docker."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pixel_desktop"
QT_MODULES = {"PySide6", "qasync", "pyqtgraph", "shiboken6"}
DOCKER_PACKAGE = "docker"  # pixel_desktop/docker/: the only Docker client


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _core_files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "gui" not in p.relative_to(PACKAGE).parts]


def test_no_module_outside_gui_imports_qt() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imported_roots(p) & QT_MODULES)
        for p in _core_files()
        if _imported_roots(p) & QT_MODULES
    }
    assert offenders == {}


def test_only_the_docker_package_imports_docker() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "docker" in _imported_roots(p) and p.relative_to(PACKAGE).parts[0] != DOCKER_PACKAGE
    ]
    assert offenders == []


def test_importing_the_whole_core_loads_no_qt_module() -> None:
    modules = sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in _core_files()
        if "migrations" not in p.parts
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(QT_MODULES)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
