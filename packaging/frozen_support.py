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


def restore_child_environment() -> None:
    """Give processes the app starts (xdg-open → file manager/browser, ssh) the user's env.

    On Linux the bootloader points ``LD_LIBRARY_PATH`` at ``_internal/`` so the bundle finds
    its own libraries; a child inheriting that would load our libstdc++/glib/libssl instead
    of its own and may crash. The dynamic loader of *this* process read the variable at
    start-up already, so restoring the user's value here only affects children. (The app's
    own ``-m pip`` children are frozen executables whose bootloader sets it again.)
    """
    if not getattr(sys, "frozen", False) or not sys.platform.startswith(("linux", "freebsd")):
        return
    import os

    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)
