"""The GUI's controllers, formatting, queue counts and operations stay widget-free.

They hold the tabs' decisions so those are tested without Qt; importing Qt here would
quietly turn them back into widgets. Checked in a fresh interpreter, since this test
process may already have Qt loaded by other tests.
"""

from __future__ import annotations

import subprocess
import sys

WIDGET_FREE = (
    "pixel_desktop.gui.builds_controller",
    "pixel_desktop.gui.builds_format",
    "pixel_desktop.gui.queue_counts",
    "pixel_desktop.gui.operations",
    "pixel_desktop.gui.operations.builds",
    "pixel_desktop.gui.operations.projects",
    "pixel_desktop.gui.operations.registries",
    "pixel_desktop.gui.operations.status",
    "pixel_desktop.gui.operations.try_it",
    "pixel_desktop.gui.try_controller",
)


def test_builds_controller_formatting_counts_and_operations_import_without_qt() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {WIDGET_FREE!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))\n"
        "print(','.join(qt))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""
