"""Projects (with their client and template) and the optimistic lock that protects them.

Why compare-and-swap: on a shared PostgreSQL store two people can open the same project;
each save is ``UPDATE ... WHERE slug = :slug AND version = :expected`` and bumps the
version, so the second save changes no row and becomes a ConflictError that says who
is ahead, instead of silently overwriting the first person's work.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, join
from sqlalchemy.sql.dml import Insert, ReturningInsert

from pixel_desktop.errors import AlreadyExistsError, ConflictError, NotFoundError, StoreError
from pixel_desktop.spec.model import ProjectSpec, slugify
from pixel_desktop.spec.yaml_io import spec_to_data
from pixel_desktop.store._session import Sessions, rowcount
from pixel_desktop.store.models import Build, Client, Project, Template
from pixel_desktop.store.records import ProjectRecord


def spec_json(spec: ProjectSpec) -> str:
    """Canonical JSON text of a spec: same spec, same bytes."""
    return json.dumps(spec_to_data(spec), ensure_ascii=False, separators=(",", ":"))


def _record(row: Project) -> ProjectRecord:
    return ProjectRecord(
        id=row.id,
        slug=row.slug,
        name=row.name,
        client=row.client.name,
        template=row.template.name,
        spec_json=row.spec,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        secrets_key=row.secrets_key,
    )


def new_secrets_key(slug: str) -> str:
    """A keyring namespace no other project ever had: readable (the slug at creation) and
    unique (a random uuid; a slug has no '.', so it cannot equal a migrated key either)."""
    return f"{slug}.{uuid.uuid4().hex}"


def _not_found(slug: str) -> NotFoundError:
    return NotFoundError(
        f"No project with slug '{slug}'.", hint="See the slugs with: pixel projects list"
    )


def _taken(slug: str) -> AlreadyExistsError:
    return AlreadyExistsError(f"A project with slug '{slug}' already exists.")


class ProjectRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    # ------------------------------------------------------------------ reads
    def get(self, slug: str) -> ProjectRecord:
        with self._s.read() as s:
            row = s.scalar(select(Project).where(Project.slug == slug))
            if row is None:
                raise _not_found(slug)
            return _record(row)

    def get_by_id(self, project_id: int) -> ProjectRecord:
        with self._s.read() as s:
            row = s.get(Project, project_id)
            if row is None:
                raise NotFoundError(f"No project with id {project_id}.")
            return _record(row)

    def list(self, search: str | None = None) -> list[ProjectRecord]:
        """All projects, or those whose name, slug, client or template contains ``search``."""
        # Plain columns, not ORM entities: listing 10,000 projects stays well under 100 ms.
        query = select(
            Project.id,
            Project.slug,
            Project.name,
            Client.name.label("client"),
            Template.name.label("template"),
            Project.spec,
            Project.version,
            Project.created_at,
            Project.updated_at,
            Project.secrets_key,
        ).join(Project.client).join(Project.template)
        term = (search or "").strip().lower()
        if term:
            query = query.where(
                or_(
                    *(
                        func.lower(col).contains(term, autoescape=True)
                        for col in (Project.name, Project.slug, Client.name, Template.name)
                    )
                )
            )
        query = query.order_by(func.lower(Client.name), func.lower(Project.name), Project.id)
        with self._s.read() as s:
            return [
                ProjectRecord(
                    id=row.id,
                    slug=row.slug,
                    name=row.name,
                    client=row.client,
                    template=row.template,
                    spec_json=row.spec,
                    version=row.version,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                    secrets_key=row.secrets_key,
                )
                for row in s.execute(query)
            ]

    def count(self) -> int:
        with self._s.read() as s:
            return int(s.scalar(select(func.count()).select_from(Project)) or 0)

    # ----------------------------------------------------------------- writes
    def create(self, spec: ProjectSpec) -> ProjectRecord:
        """Store a new project. Usually one INSERT ... SELECT (the client and template rows
        looked up in the same statement); a new client or template is upserted first.

        Why so few statements: on PostgreSQL every statement is a network round trip, and
        an import of many projects was bound by them. A taken slug is the unique index's
        IntegrityError, which rolls the whole transaction back.
        """
        slug = spec.project_slug
        record = _new_record(spec, datetime.now(UTC))
        try:
            with self._s.write() as s:
                params = {**_project_values(record), "client": record.client, "template": record.template}
                # On the session's connection: Core execution (the ORM would take a
                # parameter dict for a bulk insert of Project attributes).
                new_id = s.connection().execute(_insert_with_known_names(), params).scalar()
                if new_id is None:  # a client or template this store has not seen yet
                    new_id = s.scalar(
                        insert(Project)
                        .values(
                            {
                                **_project_values(record),
                                "client_id": _client_id(s, spec.client),
                                "template_id": _template_id(s, spec.template),
                            }
                        )
                        .returning(Project.id)
                    )
                assert new_id is not None
                return dataclasses.replace(record, id=new_id)
        except IntegrityError:
            raise _taken(slug) from None  # the slug is taken (or was, by another writer)

    def create_many(
        self, specs: Sequence[ProjectSpec]
    ) -> builtins.list[ProjectRecord | AlreadyExistsError]:
        """Store new projects in one transaction: for each spec, in order, its record, or
        the AlreadyExistsError of a slug that is taken (in the store, or by an earlier spec
        of the same call). A database failure stores none of them (StoreError).

        Why: an import of many files paid a transaction (an fsync on SQLite, four round
        trips on PostgreSQL) per file. Here the clients and templates are looked up once
        and every project is one row of an INSERT that skips a taken slug (ON CONFLICT DO
        NOTHING), so one taken slug neither aborts the transaction nor costs a savepoint.
        """
        if not specs:
            return []
        now = datetime.now(UTC)
        records = [_new_record(spec, now) for spec in specs]
        try:
            stored = self._insert_many(records)
        except IntegrityError as exc:  # not a slug (those are skipped): nothing was stored
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()
            raise StoreError(f"The store {self._s.where} refused the projects: {detail[0] if detail else exc}.") from exc
        results: builtins.list[ProjectRecord | AlreadyExistsError] = []
        for record in records:
            new_id = stored.pop(record.slug, None)  # popped: a later spec with the slug is taken
            results.append(_taken(record.slug) if new_id is None else dataclasses.replace(record, id=new_id))
        return results

    def _insert_many(self, records: builtins.list[ProjectRecord]) -> dict[str, int]:
        """The ids of the rows stored, by slug (a taken slug's row is skipped)."""
        with self._s.write() as s:
            clients = _ids_by_name(s, Client, {r.client for r in records})
            templates = _ids_by_name(s, Template, {r.template for r in records})
            for record in records:  # names this store has not seen yet (rare: upserted)
                if record.client not in clients:
                    clients[record.client] = _client_id(s, record.client)
                if record.template not in templates:
                    templates[record.template] = _template_id(s, record.template)
            rows = [
                {
                    **_project_values(r),
                    "client_id": clients[r.client],
                    "template_id": templates[r.template],
                }
                for r in records
            ]
            conn = s.connection()
            return {slug: new_id for new_id, slug in conn.execute(_insert_skipping_taken(conn.dialect.name), rows)}

    def update(self, slug: str, spec: ProjectSpec, expected_version: int) -> ProjectRecord:
        """Save ``spec`` over the project if nobody saved it since ``expected_version``.

        The spec may carry a new slug (rename); ConflictError tells the caller the
        current version so it can reload, or overwrite with :meth:`overwrite`.
        """
        return self._save(slug, spec, expected_version)

    def overwrite(self, slug: str, spec: ProjectSpec) -> ProjectRecord:
        """Save ``spec`` whatever version is stored (the user chose "overwrite theirs")."""
        return self._save(slug, spec, None)

    force_update = overwrite

    def replace(self, spec: ProjectSpec) -> ProjectRecord:
        """Create the project, or overwrite the one with the same slug."""
        for _ in range(3):  # a concurrent create/delete can race us; retry, then give up
            try:
                return self._save(spec.project_slug, spec, None)
            except NotFoundError:
                pass
            try:
                return self.create(spec)
            except AlreadyExistsError:
                pass
        return self._save(spec.project_slug, spec, None)

    def delete(self, slug: str) -> builtins.list[int]:
        """Delete the project; the database cascades to its builds, artifacts, deployments.

        Returns the ids of the builds deleted with it, read in the same transaction, so the
        caller (``pixel_desktop.cleanup.delete_project``) can remove their workspaces and
        log files without missing a build that was created meanwhile.
        """
        with self._s.write() as s:
            pid = s.scalar(select(Project.id).where(Project.slug == slug))
            if pid is None:
                raise _not_found(slug)
            build_ids = list(
                s.scalars(select(Build.id).where(Build.project_id == pid).order_by(Build.id))
            )
            s.execute(delete(Project).where(Project.id == pid))
            return build_ids

    def _save(self, slug: str, spec: ProjectSpec, expected_version: int | None) -> ProjectRecord:
        new_slug = spec.project_slug
        try:
            with self._s.write() as s:
                stmt = update(Project).where(Project.slug == slug)
                if expected_version is not None:
                    stmt = stmt.where(Project.version == expected_version)
                stmt = stmt.values(
                    slug=new_slug,
                    name=spec.name,
                    client_id=_client_id(s, spec.client),
                    template_id=_template_id(s, spec.template),
                    spec=spec_json(spec),
                    version=Project.version + 1,
                    updated_at=datetime.now(UTC),
                ).execution_options(synchronize_session=False)
                if rowcount(s.execute(stmt)) == 0:
                    current = s.scalar(select(Project.version).where(Project.slug == slug))
                    if current is None:
                        raise _not_found(slug)
                    raise ConflictError(
                        f"Project '{slug}' was changed by someone else (now version {current}, "
                        f"you edited version {expected_version}). Reload to see their changes "
                        "or overwrite with yours.",
                        current_version=current,
                    )
                row = s.scalar(
                    select(Project)
                    .where(Project.slug == new_slug)
                    .execution_options(populate_existing=True)
                )
                assert row is not None
                return _record(row)
        except IntegrityError:
            raise _taken(new_slug) from None


def _new_record(spec: ProjectSpec, now: datetime) -> ProjectRecord:
    """The record a new project gets (id 0 until the INSERT returns it)."""
    slug = spec.project_slug
    return ProjectRecord(
        id=0,
        slug=slug,
        name=spec.name,
        client=spec.client,
        template=spec.template,
        spec_json=spec_json(spec),
        version=1,
        created_at=now,
        updated_at=now,
        secrets_key=new_secrets_key(slug),
    )


def _project_values(record: ProjectRecord) -> dict[str, object]:
    return {
        "slug": record.slug,
        "name": record.name,
        "spec": record.spec_json,
        "version": record.version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "secrets_key": record.secrets_key,
    }


_VALUE_COLUMNS = ("slug", "name", "spec", "version", "created_at", "updated_at", "secrets_key")


@functools.cache
def _insert_with_known_names() -> ReturningInsert[int]:
    """INSERT the project, taking its client and template ids from their rows by name:
    no row is inserted (and no id returned) when either is missing. Parameters: the
    project's values (:func:`_project_values`), ``client`` and ``template``.

    Built once: constructing the statement per call (its cache key included) cost as much
    as executing it on SQLite.
    """
    table = Project.__table__
    source = select(
        *(bindparam(name, type_=table.c[name].type) for name in _VALUE_COLUMNS),
        Client.id,
        Template.id,
    ).select_from(join(Client, Template, true())).where(
        Client.name == bindparam("client"), Template.name == bindparam("template")
    )
    return (
        insert(Project)
        .from_select([*_VALUE_COLUMNS, "client_id", "template_id"], source)
        .returning(Project.id)
    )


@functools.cache
def _insert_skipping_taken(dialect: str) -> ReturningInsert[int, str]:
    """INSERT ... ON CONFLICT (slug) DO NOTHING RETURNING id, slug: executed with many rows
    (SQLAlchemy sends them as multi-row INSERTs), it returns the rows it stored."""
    stmt: Insert
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(Project).on_conflict_do_nothing(index_elements=[Project.slug])
    else:
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(Project).on_conflict_do_nothing(index_elements=[Project.slug])
    return stmt.returning(Project.id, Project.slug)


def _ids_by_name(s: Session, model: type[Client] | type[Template], names: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):  # bounded IN lists
        chunk = ordered[start : start + 500]
        found.update((name, id_) for id_, name in s.execute(select(model.id, model.name).where(model.name.in_(chunk))))
    return found


def _client_id(s: Session, name: str) -> int:
    """Clients are upserted by name: the spec names a client, the store keeps one row each."""
    found = s.scalar(select(Client.id).where(Client.name == name))
    if found is not None:
        return found
    try:
        with s.begin_nested():
            row = Client(name=name, slug=slugify(name), created_at=datetime.now(UTC))
            s.add(row)
        return row.id
    except IntegrityError:  # another writer inserted it between our select and insert
        found = s.scalar(select(Client.id).where(Client.name == name))
        assert found is not None
        return found


def _template_id(s: Session, name: str) -> int:
    found = s.scalar(select(Template.id).where(Template.name == name))
    if found is not None:
        return found
    try:
        with s.begin_nested():
            row = Template(name=name, created_at=datetime.now(UTC))
            s.add(row)
        return row.id
    except IntegrityError:
        found = s.scalar(select(Template.id).where(Template.name == name))
        assert found is not None
        return found
