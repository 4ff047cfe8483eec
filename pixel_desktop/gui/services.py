"""The one doorway from widgets into the core.

Widgets never import the store, docker or the engine: they call these methods, always
through ``TaskRunner`` when the call may block (database, Docker, network, keyring).
Keeping the facade small also documents exactly what the GUI needs from the core.
Core modules are imported lazily so the window can come up (and explain the problem) even
when an optional part is missing or broken.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixel_desktop import paths
from pixel_desktop import settings as settings_mod
from pixel_desktop.errors import InputError, PixelError
from pixel_desktop.events import EventBus
from pixel_desktop.spec import ProjectSpec, dump_spec, load_spec_file

if TYPE_CHECKING:
    from pixel_desktop.store import Store


@dataclass(frozen=True, slots=True)
class DaemonState:
    ok: bool
    text: str  # "Docker 27.5.1 (unix:///var/run/docker.sock)" or the one-sentence reason


class Services:
    def __init__(
        self, store_url: str | None = None, settings: settings_mod.Settings | None = None
    ) -> None:
        self.settings = settings or settings_mod.load()
        self._store_url = store_url
        self.bus = EventBus()
        self._store: Store | None = None
        self._engine: Any = None
        self._engine_lock = threading.Lock()

    # ---------------------------------------------------------------- store
    @property
    def store_url(self) -> str:
        return self._store_url or self.settings.effective_store_url()

    def open_store(self) -> Store:
        if self._store is None:
            from pixel_desktop.store import Store

            self._store = Store.open(self.store_url)
        return self._store

    @property
    def store(self) -> Store:
        return self.open_store()

    def describe_store(self) -> str:
        return self.store.describe()

    def test_store_url(self, url: str) -> str:
        """Open (and migrate) the store at ``url``; its description proves it works."""
        from pixel_desktop.store import Store

        store = Store.open(url)
        try:
            store.projects.count()
            return store.describe()
        finally:
            store.close()

    # ---------------------------------------------------------------- projects
    def list_projects(self, search: str | None = None) -> list[Any]:
        return self.store.projects.list(search or None)

    def get_project(self, slug: str) -> Any:
        return self.store.projects.get(slug)

    def create_project(self, spec: ProjectSpec) -> Any:
        return self.store.projects.create(spec)

    def update_project(self, slug: str, spec: ProjectSpec, expected_version: int) -> Any:
        return self.store.projects.update(slug, spec, expected_version)

    def overwrite_project(self, slug: str, spec: ProjectSpec) -> Any:
        """Keep mine after a conflict: save against whatever version is stored now."""
        current = self.store.projects.get(slug)
        return self.store.projects.update(slug, spec, current.version)

    def import_spec(self, path: Path, *, replace: bool = False) -> Any:
        spec = load_spec_file(path)
        if replace:
            return self.store.projects.replace(spec)
        return self.store.projects.create(spec)

    def export_spec(self, slug: str, path: Path) -> Path:
        record = self.store.projects.get(slug)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(dump_spec(record.spec), encoding="utf-8")
        tmp.replace(path)
        return path

    def import_sample_if_empty(self) -> Any | None:
        if self.store.projects.count():
            return None
        return self.store.projects.replace(load_spec_file(paths.sample_spec_file()))

    def project_count(self) -> int:
        return self.store.projects.count()

    # ---------------------------------------------------------------- codegen
    def template_names(self) -> list[str]:
        from pixel_desktop.codegen import list_template_sets

        return [t.name for t in list_template_sets()]

    def render(self, spec: ProjectSpec, project_id: int | None = None) -> list[Any]:
        from pixel_desktop.codegen import render_project

        return render_project(
            spec,
            spec.template,
            base_image=self.settings.effective_base_image(),
            project_id=project_id,
        )

    def last_build_files(self, project_id: int) -> tuple[Any, dict[str, bytes]]:
        """(build, {path: content}) of the last successful build, or (None, {})."""
        build = self.store.builds.last_successful(project_id)
        if build is None:
            return None, {}
        return build, {a.path: a.content for a in self.store.builds.artifacts(build.id)}

    # ---------------------------------------------------------------- builds
    @property
    def engine(self) -> Any:
        with self._engine_lock:
            if self._engine is None:
                from pixel_desktop.jobs.local import BuildEngine

                self._engine = BuildEngine(self.store, self.settings, self.bus)
            return self._engine

    def submit_build(self, slug: str, *, push_registry: str | None = None) -> int:
        return self.engine.submit(slug, run_tests=True, push_registry=push_registry)

    def cancel_build(self, build_id: int) -> bool:
        return self.engine.cancel(build_id)

    def list_builds(self, slug: str | None, limit: int = 100) -> list[Any]:
        return self.store.builds.list(slug, limit=limit)

    def get_build(self, build_id: int) -> Any:
        return self.store.builds.get(build_id)

    def read_log(self, build_id: int, tail: int | None = None) -> list[str]:
        lines = list(self.store.builds.read_log(build_id))
        return lines[-tail:] if tail else lines

    def queue_counts(self) -> dict[str, int]:
        """{"queued": n, "running": n} from the live engine, else from the store."""
        if self._engine is not None:
            counts = self._engine.counts()
            return {"queued": int(counts.get("queued", 0)), "running": int(counts.get("running", 0))}
        by_status = self.store.builds.count_by_status()
        running = sum(n for s, n in by_status.items() if s in ("generating", "building", "testing", "pushing"))
        return {"queued": int(by_status.get("queued", 0)), "running": int(running)}

    def build_log_file(self, build_id: int) -> Path:
        """Where the engine's log writer keeps the complete log of a build."""
        return paths.build_logs_dir() / f"{build_id}.log"

    # ---------------------------------------------------------------- docker
    def daemon_state(self, host: str | None = None) -> DaemonState:
        from pixel_desktop.docker.gateway import DockerGateway

        try:
            info = DockerGateway(host or self.settings.effective_docker_host()).ping()
        except PixelError as exc:
            return DaemonState(False, str(exc))
        return DaemonState(True, f"Docker {info.version} · {info.os}/{info.arch} · {info.host}")

    # ---------------------------------------------------------------- secrets / registries
    def secret_store(self) -> Any:
        from pixel_desktop.secrets import SecretStore

        return SecretStore()

    def set_project_secret(self, project: Any, name: str, value: str) -> None:
        """``project`` is the record: secrets are keyed by its secrets_key, not its slug."""
        self.secret_store().set_project_secret(project, name, value)

    def has_project_secret(self, project: Any, name: str) -> bool:
        try:
            return self.secret_store().get_project_secret(project, name) is not None
        except PixelError:
            return False

    def list_registries(self) -> list[Any]:
        return self.store.registries.list()

    def save_registry(
        self,
        name: str,
        url: str,
        username: str | None,
        password: str | None,
        insecure: bool,
        *,
        existing: bool,
    ) -> None:
        if not name.strip() or not url.strip():
            raise InputError("A registry needs a name and an address (e.g. registry.example.com:5000).")
        if password and not username:
            raise InputError("A password needs a user name; enter the registry user too.")
        if existing:
            self.store.registries.update(name, url=url, username=username or None, insecure=insecure)
        else:
            self.store.registries.add(name, url, username=username or None, insecure=insecure)
        if password and username:
            self.secret_store().set_registry_password(name, username, password)

    def remove_registry(self, name: str) -> None:
        record = self.store.registries.get(name)
        self.store.registries.remove(name)
        if record.username:
            # The row is gone; a locked keyring only leaves an orphan secret behind.
            with contextlib.suppress(PixelError):
                self.secret_store().delete_registry_password(name, record.username)

    def check_registry(self, name: str) -> str:
        from pixel_desktop.build.registry_api import RegistryAPI

        record = self.store.registries.get(name)
        password = None
        if record.username:
            password = self.secret_store().get_registry_password(name, record.username)
        result = RegistryAPI(
            record.url, record.username, password, insecure=record.insecure
        ).check()
        if not result.ok:
            from pixel_desktop.errors import RegistryError

            raise RegistryError(result.verdict, kind=result.kind)
        return result.verdict

    def list_targets(self) -> list[Any]:
        return self.store.targets.list()

    def add_target(self, name: str, docker_host: str, kind: str) -> Any:
        if not name.strip() or not docker_host.strip():
            raise InputError("A deploy target needs a name and a Docker host (e.g. ssh://user@host).")
        from pixel_desktop.deploy import hosts

        name, url, kind = hosts.validate_target(name.strip(), docker_host, kind)
        return self.store.targets.add(name, url.raw, kind)

    def remove_target(self, name: str) -> None:
        self.store.targets.remove(name)

    # ---------------------------------------------------------------- deploy
    def deployer(self) -> Any:
        """A DeployService on the current settings; its progress goes to the window's bus."""
        from pixel_desktop.deploy import DeployService

        return DeployService(self.store, self.settings, bus=self.bus)

    def completed_builds(self, slug: str, limit: int = 50) -> list[Any]:
        return [b for b in self.store.builds.list(slug, limit=limit) if b.status == "completed"]

    def list_deployments(self, slug: str, limit: int = 100) -> list[Any]:
        return self.deployer().list(slug, limit=limit)

    def deploy(self, slug: str, target: str, build_id: int | None = None, via: str | None = None) -> Any:
        return self.deployer().deploy(slug, target, build_id=build_id, via=via)

    def rollback(self, slug: str, target: str) -> Any:
        return self.deployer().rollback(slug, target)

    def check_target(self, name: str, slug: str | None = None) -> Any:
        return self.deployer().check_target(name, slug=slug)

    def deploy_sample(self, slug: str, target: str) -> Any:
        return self.deployer().sample(slug, target)

    # ---------------------------------------------------------------- eval
    def evaluator(self) -> Any:
        """The same use case as `pixel eval`, on this window's store and settings."""
        from pixel_desktop.app.eval import Evaluator

        return Evaluator(self.store, self.settings)

    def eval_builds(self, slug: str, limit: int = 50) -> list[Any]:
        """Finished builds of ``slug`` that have an image to evaluate, newest first."""
        from pixel_desktop.store.records import TERMINAL_BUILD_STATUSES

        return [
            b
            for b in self.store.builds.list(slug, limit=limit)
            if b.image_name and b.status in TERMINAL_BUILD_STATUSES
        ]

    def prepare_eval(self, slug: str, csv_path: Path, build_id: int | None) -> Any:
        """Check the CSV against the build without starting anything (an EvalPlan)."""
        return self.evaluator().prepare(slug, csv_path, build_id)

    def evaluate(
        self,
        slug: str,
        csv_path: Path,
        build_id: int | None,
        *,
        cancel: threading.Event,
        on_progress: Callable[[Any], None],
    ) -> Any:
        """Re-read the CSV (it may have been edited since it was loaded) and run it (an EvalReport)."""
        return self.evaluator().evaluate(
            slug, csv_path, build_id, cancel=cancel, on_progress=on_progress
        )

    # ---------------------------------------------------------------- settings
    def save_settings(self, new: settings_mod.Settings) -> None:
        settings_mod.save(new)
        self.settings = new

    def close(self) -> None:
        with self._engine_lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.shutdown()
        if self._store is not None:
            self._store.close()
            self._store = None
