"""The `pixel` command line installs and runs without Qt; the window is the `gui` extra.

A build box or CI runner installs the plain package. These tests prove both halves: the
package metadata only asks for Qt under the extra, and the CLI's commands work in a Python
where importing Qt fails (as it does when the extra is not installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

DIST = "pixel-ai-creator-desktop"
QT_DISTS = {"pyside6-essentials", "pyside6", "pyqtgraph", "qasync", "shiboken6"}
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "acme-support.yaml"

# Runs the CLI in a fresh interpreter where every Qt import raises ImportError, as it does
# on a machine without the `gui` extra.
BLOCK_QT = """
import importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph", "qasync"}:
            raise ImportError(f"No module named {name!r} (blocked: the gui extra is not installed)")
        return None
sys.meta_path.insert(0, NoQt())
from pixel_desktop.cli.main import main
raise SystemExit(main(sys.argv[1:]))
"""


def run_without_qt(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIXEL_HOME": str(tmp_path / "home")}
    env.pop("PIXEL_STORE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", BLOCK_QT, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_qt_is_required_only_by_the_gui_extra() -> None:
    reqs = [Requirement(r) for r in requires(DIST) or []]
    qt = [r for r in reqs if r.name.lower() in QT_DISTS]
    for req in qt:
        assert req.marker is not None, f"{req} is installed without the gui extra"
        assert not req.marker.evaluate({"extra": ""}), f"{req} is installed without the gui extra"
    in_gui = {r.name.lower() for r in qt if r.marker and r.marker.evaluate({"extra": "gui"})}
    assert {"pyside6-essentials", "pyqtgraph"} <= in_gui, "the gui extra must bring the window"


def test_cli_commands_run_where_qt_cannot_be_imported(tmp_path: Path) -> None:
    version = run_without_qt(tmp_path, "--version")
    assert version.returncode == 0, version.stderr
    imported = run_without_qt(tmp_path, "projects", "import", str(SAMPLE))
    assert (imported.returncode, imported.stdout.strip()) == (0, "acme-support-bot"), imported.stderr
    listed = run_without_qt(tmp_path, "projects", "list")
    assert listed.returncode == 0, listed.stderr
    assert "acme-support-bot" in listed.stdout
    generated = run_without_qt(tmp_path, "generate", "acme-support-bot", "--out", str(tmp_path / "out"))
    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "out" / "Dockerfile").is_file()
