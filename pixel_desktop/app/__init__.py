"""Use cases written once, called by the CLI and the GUI (and nothing below them).

Why a layer: a rule that lives in a CLI command or a widget is a rule the other front end
gets wrong; here each use case validates its input, drives the engine/store and returns a
plain report that both front ends only format. In the style of Electrum's ``Commands``:
:class:`App` is built once from (store URL, settings) by a front end, and closed once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pixel_desktop.app.context import AppContext, check_store_url, open_store

if TYPE_CHECKING:
    from pixel_desktop import settings as settings_mod
    from pixel_desktop.app.builds import Builds
    from pixel_desktop.app.deploys import Deploys
    from pixel_desktop.app.eval import EvalUseCases
    from pixel_desktop.app.jobs import Jobs, RunnerFactory
    from pixel_desktop.app.projects import Projects
    from pixel_desktop.app.prune import Prune
    from pixel_desktop.app.registries import Registries
    from pixel_desktop.app.secrets_port import Secrets, SecretsFactory
    from pixel_desktop.app.settings import SettingsUseCases
    from pixel_desktop.app.targets import Targets
    from pixel_desktop.app.templates import Templates
    from pixel_desktop.events import EventBus

__all__ = ["App", "AppContext", "Secrets", "check_store_url", "open_store"]

T = TypeVar("T")


def __getattr__(name: str) -> Any:
    if name == "Secrets":  # the keyring Protocol, re-exported without importing keyring
        from pixel_desktop.app.secrets_port import Secrets

        return Secrets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _UseCases(Generic[T]):
    """A use case group built on first access, once even when two GUI threads ask at once.

    Why lazily: each group imports its engine (Docker, codegen, jobs, eval); a command that
    only lists projects must not pay for them (``pixel projects list`` answers in about the
    time of ``docker image ls``)."""

    def __init__(self, make: Callable[[App], T]) -> None:
        self._make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, app: None, owner: type) -> _UseCases[T]: ...
    @overload
    def __get__(self, app: App, owner: type) -> T: ...
    def __get__(self, app: App | None, owner: type) -> T | _UseCases[T]:
        if app is None:
            return self
        with app._lock:
            if self._name not in app.__dict__:
                app.__dict__[self._name] = self._make(app)
            value: T = app.__dict__[self._name]
        return value


def _os_keyring() -> Secrets:
    from pixel_desktop.app.secrets_port import os_keyring

    return os_keyring()


def _projects(app: App) -> Projects:
    from pixel_desktop.app.projects import Projects

    return Projects(app.context, app.secrets)


def _registries(app: App) -> Registries:
    from pixel_desktop.app.registries import Registries

    return Registries(app.context, app.secrets)


def _bus(app: App) -> EventBus:
    from pixel_desktop.events import EventBus

    return EventBus()


def _jobs(app: App) -> Jobs:
    from pixel_desktop.app.jobs import Jobs, team_or_local_runner

    return Jobs(app.context, app.bus, app._runner or team_or_local_runner(app._build_concurrency))


def _builds(app: App) -> Builds:
    from pixel_desktop.app.builds import Builds

    return Builds(app.context, app.jobs, app.secrets)


def _deploys(app: App) -> Deploys:
    from pixel_desktop.app.deploys import Deploys

    return Deploys(app.context, app.bus, app.jobs)


def _prune(app: App) -> Prune:
    from pixel_desktop.app.prune import Prune

    return Prune(app.context)


def _targets(app: App) -> Targets:
    from pixel_desktop.app.targets import Targets

    return Targets(app.context, app.deploys.check_target)


def _eval(app: App) -> EvalUseCases:
    from pixel_desktop.app.eval import EvalUseCases

    return EvalUseCases(app.context)


def _settings(app: App) -> SettingsUseCases:
    from pixel_desktop.app.settings import SettingsUseCases

    return SettingsUseCases(app.context)


def _templates(app: App) -> Templates:
    from pixel_desktop.app.templates import Templates

    return Templates(app.context)


class App:
    """Every use case group over one store and one settings object.

    ``create_store``: a SQLite store file that does not exist yet may be created (``pixel db
    init``, the desktop app); otherwise a missing file is taken for a typo and refused.
    ``bus`` carries the events of every job of ``jobs`` (builds, deploys, rollbacks) to
    whoever subscribed (the GUI's bridge, the CLI's log printer). ``secrets`` builds the
    keyring access (the OS keyring by default); ``runner`` builds the job runner (the
    in-process one by default, with ``build_concurrency`` workers for builds).
    """

    def __init__(
        self,
        store_url: str | None = None,
        settings: settings_mod.Settings | None = None,
        *,
        create_store: bool = False,
        bus: EventBus | None = None,
        secrets: SecretsFactory | None = None,
        build_concurrency: int | None = None,
        runner: RunnerFactory | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self.context = AppContext(store_url, settings, create_store=create_store)
        if bus is not None:
            self.__dict__["bus"] = bus
        self.secrets: SecretsFactory = secrets or _os_keyring
        self._build_concurrency = build_concurrency
        self._runner = runner

    # Built on first use (see _UseCases); the job runner itself starts later still.
    bus = _UseCases(_bus)
    projects = _UseCases(_projects)
    registries = _UseCases(_registries)
    jobs = _UseCases(_jobs)
    builds = _UseCases(_builds)
    deploys = _UseCases(_deploys)
    prune = _UseCases(_prune)
    targets = _UseCases(_targets)
    eval = _UseCases(_eval)
    settings = _UseCases(_settings)
    templates = _UseCases(_templates)

    def close(self, *, job_grace_s: float = 30.0) -> None:
        """Stop this process's jobs (queued builds cancelled, running jobs cancelled and
        awaited up to ``job_grace_s``), then close the store."""
        try:
            with self._lock:
                jobs = self.__dict__.get("jobs")
            if jobs is not None:  # never built: nothing ran
                jobs.shutdown(timeout=job_grace_s)
        finally:
            self.context.close()
