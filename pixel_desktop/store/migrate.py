"""Bring a store's schema to the newest alembic revision, safely.

Why here and not in an alembic.ini: the app upgrades its own database at every start
(``Store.open``), frozen or not, so the configuration is built in code and the script
directory is found next to this module (PyInstaller ships it as data under
``_MEIPASS/pixel_desktop/store/migrations``). A SQLite file that is behind is first copied
with SQLite's online backup API into ``paths.backups_dir()``, so a failed or unwanted
migration can always be undone by copying the file back.

A store that is already current costs one read of ``alembic_version`` (see
store/schema_head.py); alembic is imported only to upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from pixel_desktop import paths
from pixel_desktop.errors import StoreError
from pixel_desktop.store.connection import connection_error, describe_url, is_sqlite_file
from pixel_desktop.store.schema_head import HEAD_REVISION, MIGRATIONS_DIR, head_is_newest_script

if TYPE_CHECKING:
    from alembic.config import Config

# Serialises concurrent first starts of several users against one PostgreSQL store.
PG_MIGRATION_LOCK_KEY = 0x706978656C  # "pixel"


def script_location() -> Path:
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise StoreError(
            f"The database migrations are missing from this installation ({MIGRATIONS_DIR}).",
            hint="Reinstall Pixel; a frozen build must bundle pixel_desktop/store/migrations.",
        )
    return MIGRATIONS_DIR


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head as alembic finds it, by parsing every script (slow; see HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def stored_revision(conn: Connection) -> str | None:
    """The store's schema revision read directly; None when it has no alembic_version table
    (a new database) or the read fails (then the full check decides)."""
    try:
        with conn.begin():
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    except DBAPIError:
        return None
    return None if row is None else str(row[0])


def schema_is_current(engine: Engine) -> bool:
    """True when the store is at :data:`HEAD_REVISION` and that is the newest script: one
    cheap read, without importing alembic."""
    if not head_is_newest_script():
        return False
    try:
        with engine.connect() as conn:
            return stored_revision(conn) == HEAD_REVISION
    except DBAPIError as exc:
        raise connection_error(engine.url, exc) from None


def upgrade_if_needed(engine: Engine, *, backup: bool = True) -> Path | None:
    """Leave a current store alone (see :func:`schema_is_current`); otherwise upgrade it to
    head (:func:`upgrade_to_head`) and return the backup file made, if any."""
    if schema_is_current(engine):
        return None
    return upgrade_to_head(engine, backup=backup)


def upgrade_to_head(engine: Engine, *, backup: bool = True) -> Path | None:
    """Upgrade ``engine``'s database to head; return the backup file made, if any."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    try:
        with engine.connect() as conn:
            current = current_revision(conn)
            has_tables = bool(set(inspect(conn).get_table_names()) - {"alembic_version"})
            conn.rollback()
    except DBAPIError as exc:
        raise connection_error(engine.url, exc) from None
    where = describe_url(engine.url)
    if current == head:
        return None
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise StoreError(
            f"The store {where} is at schema revision {current}, which this version of Pixel "
            "does not know: a newer Pixel upgraded it.",
            hint="Update Pixel, or point PIXEL_STORE_URL at another database.",
        )
    if current is None and has_tables:
        raise StoreError(
            f"The store {where} already holds tables that are not a Pixel store.",
            hint="Use an empty database (or a new SQLite file) for PIXEL_STORE_URL.",
        )
    made = None
    if backup and current is not None and is_sqlite_file(engine.url):
        made = backup_sqlite(Path(engine.url.database or ""), current)
    try:
        with migration_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK_KEY})")
            command.upgrade(alembic_config(conn), "head")
    except DBAPIError as exc:
        hint = f" The database was saved first as {made}." if made else ""
        raise StoreError(
            f"Upgrading the store {where} to revision {head} failed: "
            f"{str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}.{hint}"
        ) from exc
    return made


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction to run migrations in; on SQLite with foreign keys OFF.

    Why: SQLite can only change a table (e.g. add AUTOINCREMENT) by rebuilding it, and with
    foreign keys on, dropping the old ``builds`` table would cascade-delete every log line
    and artifact. The pragma is a no-op inside a transaction, so it is switched on the raw
    connection before BEGIN (SQLite's documented 12-step procedure), the foreign keys are
    checked before COMMIT, and the pragma is restored for the pooled connection.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.execution_options(pixel_sqlite_begin="IMMEDIATE").connect() as conn:
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(
                            f"The schema upgrade would leave {len(broken)} broken reference(s) "
                            f"(first: {tuple(broken[0])}); nothing was changed."
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def backup_sqlite(db_file: Path, revision: str) -> Path:
    """Copy a live SQLite file consistently (WAL included) into the backups folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = paths.backups_dir() / f"{db_file.stem}-rev{revision}-{stamp}.db"
    try:
        src = sqlite3.connect(str(db_file))
        try:
            dst = sqlite3.connect(str(target))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StoreError(
            f"Could not back up {db_file} to {target} before upgrading it: {exc}.",
            hint="Free disk space or fix permissions on the backups folder, then start again.",
        ) from None
    return target
