"""Frozen entry point of the `pixel` console executable (PyInstaller script)."""

import sys

from frozen_support import restore_child_environment, run_module_if_requested

run_module_if_requested(sys.argv)
restore_child_environment()

from pixel_desktop.cli.main import main  # noqa: E402 - after the `-m pip` shim on purpose

if __name__ == "__main__":
    sys.exit(main())
