"""Projects: create, edit, import, export and delete specs, with one set of input rules.

Why here: an import from the GUI used to skip the CLI's template check (the first build then
failed far from the cause) and its export followed a planted ``FILE.tmp`` symlink. Every
front end now goes through :class:`Projects`, which validates fully before it writes.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pixel_desktop import paths
from pixel_desktop.app.context import AppContext
from pixel_desktop.app.secrets_port import SecretsFactory, os_keyring
from pixel_desktop.errors import AlreadyExistsError, InputError, PixelError

if TYPE_CHECKING:
    # The spec model (pydantic) is imported by the use cases that read specs; the records
    # and cleanup modules (frozen dataclasses, built at import) by those that use them:
    # `pixel projects list` needs none of them.
    from pixel_desktop.cleanup import DeletedProject
    from pixel_desktop.spec import ProjectSpec
    from pixel_desktop.store.project_summary import ProjectSummary
    from pixel_desktop.store.records import DeploymentRecord, ProjectRecord

__all__ = ["DeletedProject", "ImportOutcome", "Projects", "new_spec", "spec_size_limit"]

# Specs stored per transaction by :meth:`Projects.import_files`: big enough that a commit
# (an fsync, or round trips to PostgreSQL) is a small part of each file's cost, small
# enough that SQLite's write lock is held for well under a second.
IMPORT_BATCH = 100


def spec_size_limit() -> int:
    """The most bytes a spec may have; a reader of an endless stream stops one past it."""
    from pixel_desktop.spec import yaml_io

    return yaml_io.MAX_SPEC_BYTES


def new_spec(name: str, client: str, slug: str | None = None) -> ProjectSpec:
    """A fresh spec from the New Project fields; a bad field is a SpecError naming it.
    Without ``slug`` the spec derives one from the name."""
    from pydantic import ValidationError

    from pixel_desktop.spec import ProjectSpec
    from pixel_desktop.spec.yaml_io import spec_error_from_validation

    try:
        return ProjectSpec(name=name, client=client, slug=slug or None)
    except ValidationError as exc:
        raise spec_error_from_validation(exc, source="new project") from None


def __getattr__(name: str) -> Any:
    if name == "DeletedProject":  # re-exported, imported on first use
        from pixel_desktop.cleanup import DeletedProject

        return DeletedProject
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ImportOutcome(NamedTuple):
    """One file of :meth:`Projects.import_files`: its stored record, or why it was not stored."""

    source: str
    record: ProjectRecord | None = None
    error: PixelError | None = None

    @property
    def problem(self) -> str | None:
        """The error's message, naming the file (a spec error already starts with it)."""
        if self.error is None:
            return None
        message = self.error.message
        return message if message.startswith(f"{self.source}:") else f"{self.source}: {message}"


def check_template(spec: ProjectSpec) -> None:
    """The spec's template set must exist, or the first build would fail far from the cause."""
    from pixel_desktop.codegen import get_template_set

    get_template_set(spec.template)


class Projects:
    def __init__(self, ctx: AppContext, secrets: SecretsFactory = os_keyring) -> None:
        self._ctx = ctx
        self._secrets = secrets

    # ---------------------------------------------------------------- reading
    def list(self, search: str | None = None) -> builtins.list[ProjectRecord]:
        return self._ctx.store.projects.list(search or None)

    def summaries(
        self, search: str | None = None, *, faq_entries: bool = False
    ) -> builtins.list[ProjectSummary]:
        """What a list shows (the project tree, `pixel projects list`), in the order of
        :meth:`list`, without reading a spec: fast on a store of 10,000 projects.
        ``faq_entries`` also counts each project's FAQ entries."""
        return self._ctx.project_list().summaries(search or None, faq_entries=faq_entries)

    def get(self, slug: str) -> ProjectRecord:
        return self._ctx.store.projects.get(slug)

    def count(self) -> int:
        return self._ctx.store.projects.count()

    # ---------------------------------------------------------------- writing
    def create(self, spec: ProjectSpec) -> ProjectRecord:
        check_template(spec)
        return self._ctx.store.projects.create(spec)

    def create_new(self, name: str, client: str, slug: str | None = None) -> ProjectRecord:
        return self.create(new_spec(name, client, slug))

    def update(self, slug: str, spec: ProjectSpec, expected_version: int) -> ProjectRecord:
        """Save against the version the editor loaded (ConflictError if someone saved since)."""
        check_template(spec)
        return self._ctx.store.projects.update(slug, spec, expected_version)

    def overwrite(self, slug: str, spec: ProjectSpec) -> ProjectRecord:
        """Keep mine after a conflict: save against whatever version is stored now."""
        check_template(spec)
        current = self._ctx.store.projects.get(slug)
        return self._ctx.store.projects.update(slug, spec, current.version)

    def import_spec(self, spec: ProjectSpec, *, replace: bool = False) -> ProjectRecord:
        """Store an already parsed spec; an existing slug is refused unless ``replace``."""
        check_template(spec)
        projects = self._ctx.store.projects
        if replace:
            return projects.replace(spec)
        try:
            return projects.create(spec)
        except AlreadyExistsError:
            raise AlreadyExistsError(
                f"A project with slug '{spec.project_slug}' already exists."
            ) from None

    def import_file(self, path: Path, *, replace: bool = False) -> ProjectRecord:
        # Parse and validate fully before the store is even opened: bad input writes nothing.
        from pixel_desktop.spec import load_spec_file

        return self.import_spec(load_spec_file(Path(path)), replace=replace)

    def import_files(
        self, files: Iterable[Path], *, replace: bool = False, batch: int = IMPORT_BATCH
    ) -> Iterator[ImportOutcome]:
        """Import many spec files; one outcome per file, in order, each yielded once its
        project is committed (or found bad), so a caller can report as it goes.

        A bad file (unreadable, invalid, unknown template, taken slug without ``replace``)
        is an outcome with its error and never stops the others. Every ``batch`` files are
        parsed and validated first, then stored in one transaction (one commit per batch
        instead of per file: see ProjectRepository.create_many). A database failure
        (StoreError) is raised after the outcomes of the batches already committed: what
        was reported stored stays stored.
        """
        from pixel_desktop.spec import load_spec_file

        templates_seen: set[str] = set()
        pending: builtins.list[tuple[str, ProjectSpec | PixelError]] = []
        for path in files:
            path = Path(path)
            try:
                spec = load_spec_file(path)
                if spec.template not in templates_seen:  # a template is checked once
                    check_template(spec)
                    templates_seen.add(spec.template)
                pending.append((str(path), spec))
            except PixelError as exc:
                pending.append((str(path), exc))
            if len(pending) >= batch:
                yield from self._store_batch(pending, replace)
                pending = []
        yield from self._store_batch(pending, replace)

    def _store_batch(
        self, parsed: builtins.list[tuple[str, ProjectSpec | PixelError]], replace: bool
    ) -> builtins.list[ImportOutcome]:
        specs = [item for _, item in parsed if not isinstance(item, PixelError)]
        stored: Iterator[ProjectRecord | PixelError]
        if not specs:
            stored = iter(())
        elif replace:
            stored = iter([self._replace_one(spec) for spec in specs])
        else:
            stored = iter(self._ctx.store.projects.create_many(specs))
        outcomes = []
        for source, item in parsed:
            result = item if isinstance(item, PixelError) else next(stored)
            if isinstance(result, PixelError):
                outcomes.append(ImportOutcome(source, error=result))
            else:
                outcomes.append(ImportOutcome(source, record=result))
        return outcomes

    def _replace_one(self, spec: ProjectSpec) -> ProjectRecord | PixelError:
        try:
            return self._ctx.store.projects.replace(spec)
        except InputError as exc:  # e.g. the slug was taken by another writer meanwhile
            return exc

    def import_text(self, text: str, *, source: str, replace: bool = False) -> ProjectRecord:
        """``text`` read by the caller, at most spec_size_limit() + 1 characters of it, so an
        endless stream is refused at the limit instead of read to the end."""
        from pixel_desktop.spec import load_spec_text

        return self.import_spec(load_spec_text(text, source=source), replace=replace)

    # ---------------------------------------------------------------- the sample
    # Why a use case: `pixel projects import --sample` and the GUI's first-run offer must find
    # the sample in an installed wheel too (package data, pixel_desktop/_data/examples), not
    # only in a checkout; paths.sample_spec_file() knows where each kind of install keeps it.
    def import_sample(self, *, replace: bool = False) -> ProjectRecord:
        """Import the shipped sample (Acme Support Bot); an existing slug is refused unless
        ``replace``."""
        return self.import_file(paths.sample_spec_file(), replace=replace)

    def import_sample_if_empty(self) -> ProjectRecord | None:
        if self.count():
            return None
        from pixel_desktop.spec import load_spec_file

        return self._ctx.store.projects.replace(load_spec_file(paths.sample_spec_file()))

    def export_text(self, slug: str) -> str:
        from pixel_desktop.spec import dump_spec

        return dump_spec(self.get(slug).spec)

    def spec_data(self, record: ProjectRecord) -> dict[str, Any]:
        """The spec as the plain data its YAML holds (for JSON output)."""
        from pixel_desktop.spec.yaml_io import spec_to_data

        return spec_to_data(record.spec)

    def export_file(self, slug: str, path: Path) -> Path:
        """Write the spec as YAML through a private temp file and an atomic rename: a crash
        never leaves half a spec, and a planted FILE.tmp symlink is never followed."""
        import tempfile  # here: imported for exports only (`pixel projects list` skips it)

        target = Path(path)
        text = self.export_text(slug)
        if target.is_dir():
            raise InputError(
                f"{target} is a folder; give a file name such as {target / (slug + '.yaml')}."
            )
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise InputError(f"Cannot write {target}: {exc.strerror}.") from None
        return target

    def delete(self, slug: str) -> DeletedProject:
        """Delete the project, its builds' files and its keyring secrets (see cleanup.py).
        Refused while it is deployed: its containers would keep running with no project left
        to stop, remove or redeploy them."""
        from pixel_desktop.cleanup import delete_project

        self._refuse_while_deployed(
            slug, "deleting it would leave them running with nothing to manage them", "delete the project"
        )
        return delete_project(self._ctx.store, slug)

    def _refuse_while_deployed(self, slug: str, why: str, then: str) -> None:
        live = live_deployments(self._ctx.store.deployments.list(slug, limit=1000))
        if not live:
            return
        where = ", ".join(f"{d.target_name} (deployment {d.id}, {d.status})" for d in live)
        first = live[0].target_name
        raise InputError(
            f"{slug} is deployed on {where}: {why}. Remove the deployment first (Deploy tab › "
            f"Remove, or `pixel deployments remove {slug} {first}`), then {then}."
        )

    # ---------------------------------------------------------------- secret env values
    def set_secret(self, project: ProjectRecord, name: str, value: str) -> None:
        """Secrets are keyed by the project's secrets_key, never its slug, and never stored."""
        self._secrets().set_project_secret(project, name, value)

    def unset_secret(self, project: ProjectRecord, name: str) -> bool:
        """Remove one secret value from the OS keyring; False when it had none."""
        return self._secrets().delete_project_secret(project, name)

    def has_secret(self, project: ProjectRecord, name: str) -> bool:
        try:
            return self._secrets().get_project_secret(project, name) is not None
        except PixelError:
            return False

    # ---------------------------------------------------------------- rename (the slug)
    # Why a use case of its own: the slug names the project in the store, the CLI, image
    # repositories and container names, so a user who picked a poor one (or got one derived
    # from a long name) must be able to change it without exporting and re-importing.
    #
    # What follows the slug, and what deliberately does not:
    # - secrets: keyed by the project's ``secrets_key`` (fixed at creation), never the slug,
    #   so every stored value stays with the project under its new slug;
    # - builds and deployments: their rows point at the project id and stay attached;
    # - images: the next build is tagged ``pixel/<client>/<new slug>:b<N>``; images already
    #   built keep the tag they were built and tested with, because build records, deploy
    #   plans and running containers refer to them by that exact reference.
    def rename(self, slug: str, new_slug: str, *, expected_version: int | None = None) -> ProjectRecord:
        """Give the project ``new_slug``; a taken or malformed slug is refused, nothing saved.

        ``expected_version`` (the version an editor loaded) turns a save by someone else in
        between into a ConflictError instead of renaming a spec the caller has not seen.
        """
        new_slug = new_slug.strip()
        check_slug(new_slug)
        current = self.get(slug)
        if new_slug == current.slug:
            return current
        self._refuse_while_deployed(
            current.slug,
            "its containers and services are found by the slug they were deployed under",
            "rename it and deploy again",
        )
        version = current.version if expected_version is None else expected_version
        renamed = current.spec.model_copy(update={"slug": new_slug})
        return self._ctx.store.projects.update(current.slug, renamed, version)


def live_deployments(newest_first: Iterable[DeploymentRecord]) -> list[DeploymentRecord]:
    """Per target, the deployment whose containers are there now: one in flight, healthy or
    stopped (its container kept). A failed, cancelled or rolled-back deploy left the one
    before it serving, so the search goes on past it; a removal ends it."""
    from pixel_desktop.kinds import UNFINISHED_DEPLOYMENT_STATUSES

    decided: set[str] = set()
    live: list[DeploymentRecord] = []
    for record in newest_first:
        if record.target_name in decided:
            continue
        if record.status in (*UNFINISHED_DEPLOYMENT_STATUSES, "healthy", "stopped"):
            live.append(record)
            decided.add(record.target_name)
        elif record.status == "removed":
            decided.add(record.target_name)
    return live


def check_slug(slug: str) -> None:
    """The spec's slug rule, with a message that says what a slug may hold."""
    from pixel_desktop.spec.model import SLUG_RE

    if not SLUG_RE.fullmatch(slug):
        raise InputError(
            f"'{slug}' cannot be a slug: use 1-63 characters of a-z, 0-9 and '-', starting and "
            "ending with a letter or digit (for example acme-support)."
        )
