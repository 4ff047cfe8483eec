"""The slices of the store each engine consumer uses, as Protocols.

Why: the build pipeline, the log writer and the local job runner are unit-tested with
in-memory stores (tests/store_fakes.py). Typing those seams with the exact methods each
consumer calls lets mypy prove both the real :class:`~pixel_desktop.store.Store` and the
fakes fit, so a fake that drifts from the real interface fails ``make test``.

Record-returning methods name the real record type where the consumer hands the record
on (``LocalJobRunner.wait`` returns it); where only a few fields are read, a small
read-only Protocol says which, and where the result is ignored, ``object``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from pixel_desktop.store.records import BuildRecord, DeploymentRecord, RegistryRecord

if TYPE_CHECKING:
    from pixel_desktop.spec.model import ProjectSpec
    from pixel_desktop.store import Store


class BuildProject(Protocol):
    """What a build reads of a project; also the keyring owner of its secret env."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...

    @property
    def secrets_key(self) -> str: ...

    @property
    def spec(self) -> ProjectSpec: ...


# ---------------------------------------------------------------- the log writer
class BuildLogs(Protocol):
    def append_log(self, build_id: int, lines: list[str]) -> None: ...


class LogStore(Protocol):
    """What build/logwriter.py uses."""

    @property
    def builds(self) -> BuildLogs: ...


# ---------------------------------------------------------------- the build pipeline
class PipelineProjects(Protocol):
    def get_by_id(self, project_id: int) -> BuildProject: ...


class PipelineBuilds(Protocol):
    # ``fields`` are BuildRecord column values (phases, image_name, digest, ...).
    def set_status(self, build_id: int, status: str, **fields: Any) -> object: ...

    def update(self, build_id: int, **fields: Any) -> object: ...

    def add_artifacts(self, build_id: int, files: list[tuple[str, bytes, str]]) -> None: ...


class Registries(Protocol):
    def get(self, name: str) -> RegistryRecord: ...


class PipelineStore(Protocol):
    """What build/pipeline.py uses."""

    @property
    def projects(self) -> PipelineProjects: ...

    @property
    def builds(self) -> PipelineBuilds: ...

    @property
    def registries(self) -> Registries: ...


# ---------------------------------------------------------------- the local job runner
class RunnerProjects(PipelineProjects, Protocol):
    def get(self, slug: str) -> BuildProject: ...


class RunnerBuilds(PipelineBuilds, BuildLogs, Protocol):
    def create(self, project_id: int) -> BuildRecord: ...

    def get(self, build_id: int) -> BuildRecord: ...

    def mark_interrupted(self, *, include_queued: bool = False) -> int: ...

    def count_by_status(self) -> dict[str, int]: ...


class RunnerDeployments(Protocol):
    def get(self, deployment_id: int) -> DeploymentRecord: ...


class RunnerStore(Protocol):
    """What jobs/local.py uses itself and hands to the pipeline and the log writer."""

    @property
    def projects(self) -> RunnerProjects: ...

    @property
    def builds(self) -> RunnerBuilds: ...

    @property
    def registries(self) -> Registries: ...

    @property
    def deployments(self) -> RunnerDeployments: ...


if TYPE_CHECKING:

    def _real_store_fits_every_port(store: Store) -> tuple[LogStore, PipelineStore, RunnerStore]:
        """Never called: mypy checks here that the real Store satisfies each port."""
        return store, store, store

    def _runner_store_feeds_its_parts(store: RunnerStore) -> tuple[LogStore, PipelineStore]:
        """The runner passes its store to the log writer and the pipeline."""
        return store, store


__all__ = [
    "BuildLogs",
    "BuildProject",
    "LogStore",
    "PipelineBuilds",
    "PipelineProjects",
    "PipelineStore",
    "Registries",
    "RunnerBuilds",
    "RunnerDeployments",
    "RunnerProjects",
    "RunnerStore",
]
