"""Every background call the GUI makes is a named operation in this folder.

Why: before, each tab wrote its own ``tasks.run(lambda: services.x(...), ok, err)``, so the
list of what the GUI asks of the core was spread over 5,000 lines and every caller chose
its own error handling. Modelled on Anki's ``aqt/operations``: a module per area
(``projects``, ``builds``, ``deploys``, ``registries``, ``settings``, ``eval``...) holds
functions that *name* a call and return an op; the caller decides what happens with the
result and starts it::

    builds.list_builds(services, slug).success(self._loaded).run_in_background(tasks)

Semantics are those of :class:`~pixel_desktop.gui.tasks.TaskRunner`: the op's function runs
on a pool thread and never touches widgets; ``success`` and ``failure`` run on the GUI
thread. Without a ``failure`` handler the error goes to the window's banner
(``errors.report_exception``), so no failure is ever silently dropped by forgetting it;
``ignore_failure()`` says explicitly that a failure does not matter (a periodic probe).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, Self, TypeVar

T = TypeVar("T")


class Runner(Protocol):
    """What an op needs to run: ``gui.tasks.TaskRunner`` (or a synchronous fake in tests)."""

    def run(
        self,
        fn: Callable[[], object],
        on_done: Callable[[object], None] | None = ...,
        on_error: Callable[[BaseException], None] | None = ...,
    ) -> None: ...


class QueryOp(Generic[T]):
    """A named background read: ``op`` on a worker, ``success``/``failure`` on the GUI thread."""

    def __init__(self, name: str, op: Callable[[], T]) -> None:
        self.name = name
        self._op = op
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None

    def success(self, fn: Callable[[T], None]) -> Self:
        self._success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> Self:
        self._failure = fn
        return self

    def ignore_failure(self) -> Self:
        """For probes whose next run answers again (status bar checks): no banner."""
        self._failure = _ignore
        return self

    def run_in_background(self, runner: Runner) -> None:
        success, failure = self._success, self._failure
        runner.run(
            self._op,
            (lambda result: success(result)) if success is not None else None,  # type: ignore[arg-type]
            failure if failure is not None else _report,
        )

    def run_now(self) -> T:
        """Run on the calling thread (CLI-like callers and tests); handlers are not called."""
        return self._op()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class ChangeOp(QueryOp[T]):
    """A named background write (save, submit, cancel, delete).

    Kept apart from reads so a reader of an operations module sees at once which buttons
    change state; it runs the same way.
    """


class Latest:
    """Drops results that arrive after a newer request for the same view was started.

    A slow store answer for the build the user clicked *before* the current one must not
    overwrite what is shown: ``token = latest.next()`` before running, then
    ``latest.wrap(token, handler)`` as the success handler.
    """

    def __init__(self) -> None:
        self._current = 0

    def next(self) -> int:
        self._current += 1
        return self._current

    def is_current(self, token: int) -> bool:
        return token == self._current

    def wrap(self, token: int, fn: Callable[[T], None]) -> Callable[[T], None]:
        def handler(result: T) -> None:
            if token == self._current:
                fn(result)

        return handler


def _ignore(_exc: BaseException) -> None:
    return None


def _report(exc: BaseException) -> None:
    from pixel_desktop.gui.errors import report_exception

    report_exception(exc)
