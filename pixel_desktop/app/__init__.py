"""Use cases written once, called by the CLI and the GUI (and nothing below them).

Why a layer: a rule that lives in a CLI command or a widget is a rule the other front end
gets wrong; here each use case validates its input, drives the engine/store and returns a
plain report that both front ends only format. In the style of Electrum's ``Commands``:
:class:`App` is built once from (store URL, settings) by a front end, and closed once.
"""

from __future__ import annotations

from pixel_desktop import settings as settings_mod
from pixel_desktop.app.builds import Builds
from pixel_desktop.app.context import AppContext, check_store_url, open_store
from pixel_desktop.app.deploys import Deploys
from pixel_desktop.app.eval import EvalUseCases
from pixel_desktop.app.jobs import Jobs, RunnerFactory, team_or_local_runner
from pixel_desktop.app.projects import Projects
from pixel_desktop.app.registries import Registries
from pixel_desktop.app.secrets_port import Secrets, SecretsFactory, os_keyring
from pixel_desktop.app.settings import SettingsUseCases
from pixel_desktop.app.targets import Targets
from pixel_desktop.app.templates import Templates
from pixel_desktop.events import EventBus

__all__ = ["App", "AppContext", "Secrets", "check_store_url", "open_store"]


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
        secrets: SecretsFactory = os_keyring,
        build_concurrency: int | None = None,
        runner: RunnerFactory | None = None,
    ) -> None:
        self.context = AppContext(store_url, settings, create_store=create_store)
        self.bus = bus or EventBus()
        self.secrets = secrets
        self.projects = Projects(self.context, secrets)
        self.registries = Registries(self.context, secrets)
        self.jobs = Jobs(self.context, self.bus, runner or team_or_local_runner(build_concurrency))
        self.builds = Builds(self.context, self.jobs)
        self.deploys = Deploys(self.context, self.bus, self.jobs)
        self.targets = Targets(self.context, self.deploys.check_target)
        self.eval = EvalUseCases(self.context)
        self.settings = SettingsUseCases(self.context)
        self.templates = Templates(self.context)

    def close(self, *, job_grace_s: float = 30.0) -> None:
        """Stop this process's jobs (queued builds cancelled, running jobs cancelled and
        awaited up to ``job_grace_s``), then close the store."""
        try:
            self.jobs.shutdown(timeout=job_grace_s)
        finally:
            self.context.close()
