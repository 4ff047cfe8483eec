"""The one doorway from widgets into the core: a thin adapter over ``pixel_desktop.app.App``.

Widgets never import the store, docker or the engine: they call these methods, always
through ``TaskRunner`` (or an operation in ``gui/operations``) when the call may block
(database, Docker, network, keyring). Every rule lives in the app layer, which the CLI calls
too, so a registry, target or project the CLI refuses is refused here with the same message.
The method names are the GUI's vocabulary; each one forwards to one use case.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop import settings as settings_mod
from pixel_desktop.app import App, keep_running
from pixel_desktop.app.settings import DaemonState
from pixel_desktop.errors import InputError, PixelError, RegistryError
from pixel_desktop.events import EventBus
from pixel_desktop.gui.team_format import TeamOverview
from pixel_desktop.spec import ProjectSpec

if TYPE_CHECKING:
    from pixel_desktop.app.builds import JobRunner
    from pixel_desktop.app.context import Store
    from pixel_desktop.app.deploys import TargetCheck
    from pixel_desktop.app.eval import EvalPlan, EvalProgress, EvalReport, Evaluator
    from pixel_desktop.app.projects import ImportOutcome
    from pixel_desktop.app.records import (
        BuildRecord,
        DeploymentRecord,
        GeneratedFile,
        ProjectRecord,
        ProjectSummary,
        RegistryRecord,
        TargetRecord,
    )
    from pixel_desktop.app.secrets_port import Secrets
    from pixel_desktop.app.try_it import TryAnswer, TryIt, TrySession
    from pixel_desktop.events import JobRef
    from pixel_desktop.gui.operations.deploys import DeploymentLog, Sampler

__all__ = ["DaemonState", "Services"]


class Services:
    """``app``: the application layer this window works on. The desktop app may create a new
    SQLite store file (choosing one is how a user starts a store); every other rule of
    opening a store is the CLI's."""

    def __init__(
        self,
        store_url: str | None = None,
        settings: settings_mod.Settings | None = None,
        *,
        app: App | None = None,
    ) -> None:
        self.app = app or App(store_url, settings or settings_mod.load(), create_store=True)

    # ---------------------------------------------------------------- store / settings
    @property
    def bus(self) -> EventBus:
        return self.app.bus

    @property
    def settings(self) -> settings_mod.Settings:
        return self.app.settings.current

    @settings.setter
    def settings(self, value: settings_mod.Settings) -> None:
        """Use ``value`` from now on without saving it (tests, a dialog's preview)."""
        self.app.context.settings = value

    @property
    def store_url(self) -> str:
        return self.app.context.store_url

    def open_store(self) -> Store:
        return self.app.context.store

    @property
    def store(self) -> Store:
        return self.app.context.store

    def describe_store(self) -> str:
        return self.app.settings.describe_store()

    def test_store_url(self, url: str) -> str:
        """Open (and migrate) the store at ``url``; its description proves it works."""
        return self.app.settings.test_store_url(url)

    def save_settings(self, new: settings_mod.Settings) -> None:
        self.app.settings.save(new)

    def daemon_state(self, host: str | None = None) -> DaemonState:
        return self.app.settings.daemon_state(host)

    # ---------------------------------------------------------------- projects
    def list_projects(self, search: str | None = None) -> list[ProjectRecord]:
        return self.app.projects.list(search)

    def get_project(self, slug: str) -> ProjectRecord:
        return self.app.projects.get(slug)

    def create_project(self, spec: ProjectSpec) -> ProjectRecord:
        return self.app.projects.create(spec)

    def new_project(self, name: str, client: str) -> ProjectRecord:
        """New Project dialog: a bad name or client is a SpecError naming the field."""
        return self.app.projects.create_new(name, client)

    def update_project(self, slug: str, spec: ProjectSpec, expected_version: int) -> ProjectRecord:
        return self.app.projects.update(slug, spec, expected_version)

    def overwrite_project(self, slug: str, spec: ProjectSpec) -> ProjectRecord:
        """Keep mine after a conflict: save against whatever version is stored now."""
        return self.app.projects.overwrite(slug, spec)

    def rename_project(self, slug: str, new_slug: str, expected_version: int) -> ProjectRecord:
        """Change the slug (secrets, builds and deployments stay with the project)."""
        return self.app.projects.rename(slug, new_slug, expected_version=expected_version)

    def import_spec(self, path: Path, *, replace: bool = False) -> ProjectRecord:
        return self.app.projects.import_file(path, replace=replace)

    def import_specs(
        self, paths: list[Path], *, replace: bool = False
    ) -> tuple[list[ImportOutcome], PixelError | None]:
        """Several files at once (a drop): one outcome per file, bad files never stopping
        the others, stored a batch per transaction. A database failure comes back with the
        outcomes of the batches committed before it, so what was stored is still reported."""
        outcomes: list[ImportOutcome] = []
        try:
            for outcome in self.app.projects.import_files(paths, replace=replace):
                outcomes.append(outcome)
        except PixelError as exc:
            return outcomes, exc
        return outcomes, None

    def export_spec(self, slug: str, path: Path) -> Path:
        return self.app.projects.export_file(slug, path)

    def import_sample_if_empty(self) -> ProjectRecord | None:
        return self.app.projects.import_sample_if_empty()

    def project_count(self) -> int:
        return self.app.projects.count()

    # ---------------------------------------------------------------- start-up (the window is shown first)
    # The tree lists summaries (no spec read); opening a project reads its record with get().
    def project_summaries(self, search: str | None = None) -> list[ProjectSummary]:
        return self.app.projects.summaries(search)

    def open_store_counting(self) -> int:
        """Open (create, migrate) the store and count its projects: the window's first load."""
        self.open_store()
        return self.project_count()

    # ---------------------------------------------------------------- codegen
    def template_names(self) -> list[str]:
        return self.app.templates.names()

    def render(self, spec: ProjectSpec, project_id: int | None = None) -> list[GeneratedFile]:
        return self.app.templates.render(spec, project_id)

    def last_build_files(self, project_id: int) -> tuple[BuildRecord | None, dict[str, bytes]]:
        """(build, {path: content}) of the last successful build, or (None, {})."""
        return self.app.builds.last_files(project_id)

    # ---------------------------------------------------------------- builds
    @property
    def engine(self) -> JobRunner:
        """The app's job runner (builds, deploys, rollbacks)."""
        return self.app.jobs.runner

    def submit_build(self, slug: str, *, push_registry: str | None = None) -> int:
        return self.app.builds.submit(slug, run_tests=True, push_registry=push_registry).id

    def cancel_build(self, build_id: int) -> bool:
        """Cancel the build wherever it runs: this process, another process on this machine
        (a window closed with its builds kept), or a team worker. False when it has ended."""
        try:  # this process's runner first, then the request every other one polls
            self.app.builds.cancel(build_id)
        except InputError:  # it already finished
            return False
        return True

    def list_builds(self, slug: str | None, limit: int = 100) -> list[BuildRecord]:
        return self.app.builds.list(slug, limit=limit)

    def get_build(self, build_id: int) -> BuildRecord:
        return self.app.builds.get(build_id)

    def read_log(self, build_id: int, tail: int | None = None) -> list[str]:
        return self.app.builds.log(build_id, tail)

    def queue_counts(self) -> dict[str, int]:
        """{"queued": n, "running": n} from the live queue, else from the store."""
        return self.app.builds.counts().as_dict()

    def build_log_file(self, build_id: int) -> Path:
        """Where the queue's log writer keeps the complete log of a build."""
        return self.app.builds.log_file(build_id)

    # ---------------------------------------------------------------- secrets / registries
    def secret_store(self) -> Secrets:
        return self.app.secrets()

    def set_project_secret(self, project: ProjectRecord, name: str, value: str) -> None:
        """``project`` is the record: secrets are keyed by its secrets_key, not its slug."""
        self.app.projects.set_secret(project, name, value)

    def has_project_secret(self, project: ProjectRecord, name: str) -> bool:
        return self.app.projects.has_secret(project, name)

    def list_registries(self) -> list[RegistryRecord]:
        return self.app.registries.list()

    def save_registry(
        self,
        name: str,
        url: str,
        username: str | None,
        password: str | None,
        insecure: bool,
        *,
        existing: bool,
    ) -> RegistryRecord:
        return self.app.registries.save(name, url, username, password, insecure, existing=existing)

    def remove_registry(self, name: str) -> None:
        # A locked keyring only leaves an orphan secret behind; the registry goes anyway.
        self.app.registries.remove(name)

    def check_registry(self, name: str) -> str:
        result = self.app.registries.check(name)
        if not result.ok:
            raise RegistryError(result.verdict, kind=result.kind)
        return result.verdict

    # ---------------------------------------------------------------- targets
    @property
    def target_kinds(self) -> tuple[str, ...]:
        return self.app.targets.KINDS

    def list_targets(self) -> list[TargetRecord]:
        return self.app.targets.list()

    def add_target(self, name: str, docker_host: str, kind: str) -> TargetRecord:
        return self.app.targets.add(name, docker_host, kind)

    def remove_target(self, name: str) -> None:
        self.app.targets.remove(name)

    def check_target(self, name: str, slug: str | None = None) -> TargetCheck:
        return self.app.targets.check(name, slug=slug)

    # ---------------------------------------------------------------- deploy
    def completed_builds(self, slug: str, limit: int = 50) -> list[BuildRecord]:
        return self.app.builds.completed(slug, limit=limit)

    def list_deployments(self, slug: str, limit: int = 100) -> list[DeploymentRecord]:
        return self.app.deploys.list(slug, limit=limit)

    # ---------------------------------------------------------------- deploy jobs (Deploy tab)
    # Deploys and rollbacks as jobs of the app's one runner, so the tab knows the job before
    # its first stage, can cancel it, and waits for the final record on a pool thread.
    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        return self.app.deploys.submit(slug, target, build_id=build_id, via=via)

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        return self.app.deploys.submit_rollback(slug, target)

    def cancel_job(self, job: JobRef) -> bool:
        return self.app.deploys.cancel(job)

    def wait_job(self, job: JobRef) -> DeploymentRecord:
        """The final record of a deploy or rollback job."""
        return self.app.deploys.wait(job)

    def deploy_sampler(self, slug: str, target: str) -> Sampler:
        """The chart's sampler: one kept connection for all its samples."""
        return self.app.deploys.sampler(slug, target)

    # Stop / Remove / Logs of a deployment (Deploy tab; app/deploys.py).
    def stop_deployment(self, slug: str, target: str) -> DeploymentRecord:
        return self.app.deploys.stop(slug, target)

    def remove_deployment(self, slug: str, target: str) -> DeploymentRecord:
        return self.app.deploys.remove(slug, target)

    def deployment_log(
        self, slug: str, target: str, *, tail: int | None = 200, follow: bool = False
    ) -> DeploymentLog:
        return self.app.deploys.logs(slug, target, tail=tail, follow=follow)

    # ---------------------------------------------------------------- try it (Try it panel)
    # The build's assistant on 127.0.0.1 (started, or its running test/deployed container
    # reused), one chat turn at a time, and the edits an answer suggests (app/try_it.py).
    def try_it(self) -> TryIt:
        """The use case on this window's store and settings (tests replace it with fakes)."""
        from pixel_desktop.app.try_it import TryIt

        return TryIt(self.app.context)

    def try_builds(self, slug: str) -> list[BuildRecord]:
        return self.try_it().builds(slug)

    def start_try(
        self,
        slug: str,
        build_id: int | None,
        *,
        cancel: threading.Event,
        on_progress: Callable[[str], None],
    ) -> TrySession:
        return self.try_it().start(slug, build_id, cancel=cancel, on_progress=on_progress)

    def ask_try(self, session: TrySession, message: str, conversation: str | None) -> TryAnswer:
        return self.try_it().ask(session, message, conversation)

    def stop_try(self, session: TrySession) -> bool:
        return self.try_it().stop(session)

    def clean_try_leftovers(self) -> int:
        return self.try_it().clean_leftovers()

    def add_try_phrasing(self, slug: str, expected_version: int, faq_question: str, phrasing: str) -> ProjectRecord:
        return self.try_it().add_phrasing(slug, expected_version, faq_question, phrasing)

    def add_try_test(self, slug: str, expected_version: int, answer: TryAnswer) -> ProjectRecord:
        return self.try_it().add_test_from(slug, expected_version, answer)

    # ---------------------------------------------------------------- eval
    def evaluator(self) -> Evaluator:
        """The same use case as `pixel eval`, on this window's store and settings."""
        return self.app.eval.evaluator()

    def eval_builds(self, slug: str, limit: int = 50) -> list[BuildRecord]:
        """Finished builds of ``slug`` that have an image to evaluate, newest first."""
        return self.app.eval.builds(slug, limit)

    def prepare_eval(self, slug: str, csv_path: Path, build_id: int | None) -> EvalPlan:
        """Check the CSV against the build without starting anything."""
        return self.evaluator().prepare(slug, csv_path, build_id)

    def evaluate(
        self,
        slug: str,
        csv_path: Path,
        build_id: int | None,
        *,
        cancel: threading.Event,
        on_progress: Callable[[EvalProgress], None],
    ) -> EvalReport:
        """Re-read the CSV (it may have been edited since it was loaded) and run it."""
        return self.evaluator().evaluate(
            slug, csv_path, build_id, cancel=cancel, on_progress=on_progress
        )

    # ---------------------------------------------------------------- team (build farm)
    # Team mode: a broker URL plus a PostgreSQL store. Builds run on the team's workers; the
    # runner republishes their events on this window's bus, so it must run while the window
    # is open (a reopened app follows a worker's build without submitting anything).
    def follow_team(self) -> bool:
        """True in team mode, after starting the runner that relays the workers' events."""
        if self.app.jobs.team_broker() is None:
            return False
        _ = self.app.jobs.runner
        return True

    def team_settings_problem(self, new: settings_mod.Settings) -> str | None:
        """Why ``new`` cannot be saved (a broker with a SQLite store), in one sentence."""
        from pixel_desktop.app.jobs import team_settings_problem

        return team_settings_problem(new)

    def team_overview(self, recent: int = 200) -> TeamOverview:
        """Workers online, queue depth and broker state, plus the recent builds' runners."""
        return TeamOverview(self.app.jobs.team_status(), self.app.builds.list(None, limit=recent))

    # ---------------------------------------------------------------- closing while builds run
    # Cancel (the record saying the app was closed) or keep them running headless; a
    # reopened app follows another process's builds through the store (app/keep_running.py).
    def builds_running_here(self) -> list[int]:
        """Builds that would end with this process (none in team mode)."""
        return keep_running.builds_running_here(self.app)

    def cancel_builds_for_close(self) -> list[int]:
        return keep_running.cancel_for_close(self.app)

    def finish_kept_builds(self, stop: threading.Event | None = None) -> list[BuildRecord]:
        """Block (no window left) until this process's builds end; their final records."""
        return keep_running.finish_kept_builds(self.app, stop=stop)

    def foreign_builds(self) -> keep_running.ForeignBuilds:
        """The poller of builds another live process runs (one per window: it remembers)."""
        return keep_running.ForeignBuilds(self.app)

    # ---------------------------------------------------------------- closing
    def close(self) -> None:
        self.app.close()
