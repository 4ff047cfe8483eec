"""Runners for GUI controller tests: operations answered at once, or in a chosen order."""

from __future__ import annotations

from collections.abc import Callable


class SyncRunner:
    """Runs an operation at once; results reach the handlers like TaskRunner's on the GUI thread."""

    def run(
        self,
        fn: Callable[[], object],
        on_done: Callable[[object], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        try:
            result = fn()
        except BaseException as exc:
            if on_error is not None:
                on_error(exc)
            return
        if on_done is not None:
            on_done(result)


class DeferredRunner:
    """Keeps operations until ``finish(i)``: answers (and failures) arrive in the order a test chooses."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], object], Callable[[object], None] | None]] = []
        self.on_error: list[Callable[[BaseException], None] | None] = []  # per pending op

    def run(self, fn, on_done=None, on_error=None) -> None:
        self.pending.append((fn, on_done))
        self.on_error.append(on_error)

    def finish(self, i: int) -> None:
        fn, on_done = self.pending[i]
        try:
            result = fn()
        except BaseException as exc:
            on_error = self.on_error[i] if i < len(self.on_error) else None
            if on_error is None:
                raise
            on_error(exc)
            return
        if on_done is not None:
            on_done(result)
