"""Run-time shims the frozen executables need before the app starts.

The build engine downloads dependency wheels with ``[sys.executable, "-m", "pip", ...]``.
In a PyInstaller bundle ``sys.executable`` is the app itself (``pixel`` or ``pixel-desktop``),
so without this shim the child process would parse ``-m pip`` as app arguments and fail.
The bundle ships pip as a module; this turns ``<bundle exe> -m pip ARGS`` into pip's own
entry point, exactly like ``python -m pip ARGS`` (and nothing else: the app's CLI stays
unchanged, unfrozen runs never reach this code).
"""

from __future__ import annotations

import sys


def run_module_if_requested(argv: list[str]) -> None:
    """If ``argv`` is ``[exe, "-m", "pip", ...]`` in a frozen app, run pip and exit."""
    if not getattr(sys, "frozen", False) or argv[1:3] != ["-m", "pip"]:
        return
    import runpy

    sys.argv = ["pip", *argv[3:]]
    try:
        runpy.run_module("pip", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        raise SystemExit(exc.code) from None
    raise SystemExit(0)
