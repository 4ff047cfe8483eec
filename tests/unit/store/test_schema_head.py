"""A current store opens with one version read; alembic runs only when the schema is behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url

from pixel_desktop import paths
from pixel_desktop.store import Store, migrate, schema_head
from pixel_desktop.store.connection import create_store_engine
from pixel_desktop.store.migrate import alembic_config, head_revision, migration_transaction


def _at_revision(db: Path, revision: str) -> None:
    engine = create_store_engine(make_url(f"sqlite:///{db}"))
    try:
        with migration_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()


def _revision(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_the_known_head_is_alembics_head_and_the_newest_script() -> None:
    assert head_revision() == schema_head.HEAD_REVISION
    assert schema_head.newest_script_revision() == head_revision()
    assert migrate.HEAD_REVISION == schema_head.HEAD_REVISION


def test_a_current_store_opens_without_importing_alembic(tmp_path: Path) -> None:
    db = tmp_path / "current.db"
    Store.open(f"sqlite:///{db}").close()  # created and migrated to head
    code = (
        "import sys\n"
        "from pixel_desktop.store import Store\n"
        f"store = Store.open({f'sqlite:///{db}'!r})\n"
        "assert store.backup_file is None\n"
        "store.projects.count()\n"
        "store.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_store_behind_the_head_is_still_backed_up_and_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _at_revision(db, "0005")
    with Store.open(f"sqlite:///{db}") as store:
        assert store.backup_file is not None and store.backup_file.parent == paths.backups_dir()
        assert _revision(store.backup_file) == "0005"
    assert _revision(db) == head_revision()


def test_a_stale_head_constant_never_skips_a_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.db"
    _at_revision(db, "0005")
    # A Pixel whose constant was left at 0005 although the 0006 script ships with it.
    monkeypatch.setattr(schema_head, "HEAD_REVISION", "0005")
    monkeypatch.setattr(migrate, "HEAD_REVISION", "0005")
    assert not schema_head.head_is_newest_script()
    Store.open(f"sqlite:///{db}").close()
    assert _revision(db) == head_revision()


def test_a_database_without_a_version_table_is_not_current(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    engine = create_store_engine(make_url(f"sqlite:///{db}"))
    try:
        assert not migrate.schema_is_current(engine)
    finally:
        engine.dispose()
