"""SQLAlchemy 2 models: the schema the alembic migrations create.

The migrations are the source of truth for the database; these models must describe the
same schema (a test runs alembic's autogenerate comparison and fails on any difference).
Deleting a project deletes its builds, their log lines and artifacts, and its deployments
(``ON DELETE CASCADE``); registries never hold passwords (those live in the OS keyring).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zone type and hands back naive values; without this a record
    loaded from SQLite and one from PostgreSQL would not compare or format alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(63), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Template(Base):
    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Project(Base):
    __tablename__ = "projects"
    # Covers the list query (store/project_list.py): listing never reads the rows, which
    # carry the spec JSON (migration 0008). Leads with client_id, for lookups by client.
    __table_args__ = (
        Index("ix_projects_list", "client_id", "template_id", "name", "slug", "version", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    template_id: Mapped[int] = mapped_column(
        ForeignKey("templates.id", ondelete="RESTRICT"), index=True
    )
    # Canonical spec data (spec_to_data) as JSON text: byte-stable, backend-neutral.
    spec: Mapped[str] = mapped_column(Text)
    # Optimistic lock: every UPDATE is "... WHERE version = :expected" and bumps it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Names the project's keyring entries (secrets.py). Set once at creation and never
    # reused, unlike the slug, which a delete or rename frees for another project.
    secrets_key: Mapped[str] = mapped_column(String(100), unique=True)

    client: Mapped[Client] = relationship(lazy="joined", innerjoin=True)
    template: Mapped[Template] = relationship(lazy="joined", innerjoin=True)


class Build(Base):
    __tablename__ = "builds"
    # Never reuse an id on SQLite: it names the log file, the workspace and the image tag.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Seed-schema column: whole log text from older stores; new lines go to build_log_lines.
    logs: Mapped[str | None] = mapped_column(Text)
    container_id: Mapped[str | None] = mapped_column(String(128))
    image_name: Mapped[str | None] = mapped_column(String(500))
    deployment_url: Mapped[str | None] = mapped_column(String(500))
    error_message: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    pushed_ref: Mapped[str | None] = mapped_column(String(500))
    digest: Mapped[str | None] = mapped_column(String(100))
    phases: Mapped[dict[str, float] | None] = mapped_column(JSON)
    registry_name: Mapped[str | None] = mapped_column(String(100))
    log_line_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The machine whose engine runs the build (None for builds from older stores).
    runner_host: Mapped[str | None] = mapped_column(String(255))
    # Team mode (jobs/team/): which try this is (a build retried after its worker died is
    # attempt 2), until when the running worker's lease holds, and a cancel asked from any
    # machine (the worker running the build polls it).
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)


class BuildLogLine(Base):
    """One log line; (build_id, seq) is the primary key, so reads come back in order."""

    __tablename__ = "build_log_lines"

    build_id: Mapped[int] = mapped_column(
        ForeignKey("builds.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)


class BuildArtifact(Base):
    __tablename__ = "build_artifacts"
    __table_args__ = (
        UniqueConstraint("build_id", "path", name="uq_build_artifacts_build_id_path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    build_id: Mapped[int] = mapped_column(ForeignKey("builds.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(1000))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    role: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)


class Registry(Base):
    """A container registry; the password is in the OS keyring, never in this table."""

    __tablename__ = "registries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str | None] = mapped_column(String(200))
    insecure: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeployTarget(Base):
    __tablename__ = "deploy_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    docker_host: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    # Host interface deployments publish on; NULL: loopback for a local socket, every
    # interface for a remote host (deploy/hosts.py publish_binding).
    publish_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Deployment(Base):
    __tablename__ = "deployments"
    __table_args__ = (
        Index("ix_deployments_project_id_target_name", "project_id", "target_name"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # The name is kept as text so history survives removing the target.
    target_name: Mapped[str] = mapped_column(String(100))
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("deploy_targets.id", ondelete="SET NULL"), index=True
    )
    build_id: Mapped[int | None] = mapped_column(
        ForeignKey("builds.id", ondelete="SET NULL"), index=True
    )
    image_ref: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str | None] = mapped_column(String(100))
    config_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(500))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)
