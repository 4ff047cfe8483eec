"""Modules docker-py's dependencies import at start-up but use only in rare cases, loaded
when first used instead.

Why: docker-py imports its ssh adapter, and with it paramiko, whatever the host; paramiko's
ssh-config reader imports ``invoke`` (which pulls in ``unittest.mock`` and ``asyncio``) only
to run ``Match exec`` lines. That is a tenth of a second of every process that talks to
Docker — a `pixel build` on a local socket included — for a line a build almost never
reads. ``import invoke`` still succeeds; the module's code runs, complete, the first time
one of its attributes is read. (The standard ``importlib.util.LazyLoader`` cannot be used
as is on Python 3.11: the ``import`` statement itself reads ``__spec__`` of a module found
in ``sys.modules``, which makes LazyLoader load it at once.)
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

DEFERRED = ("invoke",)
_LOAD_LOCK = threading.RLock()


class _LoadedOnFirstUse(types.ModuleType):
    """A module whose code has not run yet; reading any attribute but ``__spec__`` runs it."""

    def __getattribute__(self, attr: str) -> Any:
        if attr == "__spec__":  # what the import system reads of a module in sys.modules
            return super().__getattribute__(attr)
        with _LOAD_LOCK:
            if type(self) is _LoadedOnFirstUse:
                spec = super().__getattribute__("__spec__")
                self.__class__ = types.ModuleType  # type: ignore[assignment]  # stop intercepting first
                spec.loader.exec_module(self)
        return getattr(self, attr)


def defer(name: str) -> bool:
    """Register top-level module ``name`` to run on first use; False (nothing changed) when
    it is already imported, absent, or its loader cannot run it later."""
    if name in sys.modules or "." in name:
        return False
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return False
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _LoadedOnFirstUse
    sys.modules[name] = module
    return True


for _name in DEFERRED:
    defer(_name)
