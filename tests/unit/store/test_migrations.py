"""Migrations run at open; an older SQLite file is backed up first; odd databases are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url

from pixel_desktop import paths
from pixel_desktop.errors import StoreError
from pixel_desktop.store import Store
from pixel_desktop.store.connection import create_store_engine
from pixel_desktop.store.migrate import (
    alembic_config,
    head_revision,
    migration_transaction,
    script_location,
)


def _at_revision(db: Path, revision: str) -> None:
    engine = create_store_engine(make_url(f"sqlite:///{db}"))
    try:
        with migration_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()


def _revision(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_migrations_are_found_next_to_the_package() -> None:
    import pixel_desktop.store as pkg

    assert script_location() == Path(pkg.__file__).resolve().parent / "migrations"
    assert head_revision() == "0008"


def test_fresh_file_is_migrated_to_head_without_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with Store.open(f"sqlite:///{db}") as store:
        assert store.backup_file is None
    assert _revision(db) == head_revision()
    assert list(paths.backups_dir().iterdir()) == []


def test_older_file_is_backed_up_then_upgraded_keeping_its_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _at_revision(db, "0001")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO clients VALUES (1, 'Acme', 'acme', '2025-01-01 00:00:00')")
        conn.execute(
            "INSERT INTO templates VALUES (1, 'faq-assistant', NULL, '2025-01-01 00:00:00')"
        )
        conn.execute(
            "INSERT INTO projects VALUES (1, 'old-bot', 'Old Bot', 1, 1, ?, 4,"
            " '2025-01-01 00:00:00', '2025-01-02 00:00:00')",
            ('{"spec_version":1,"name":"Old Bot","client":"Acme","slug":"old-bot"}',),
        )
        conn.execute(
            "INSERT INTO builds (id, project_id, status, created_at, logs) VALUES"
            " (7, 1, 'completed', '2025-01-01 00:00:00', 'line one\nline two')"
        )

    with Store.open(f"sqlite:///{db}") as store:
        backup = store.backup_file
        assert backup is not None and backup.parent == paths.backups_dir()
        assert "rev0001" in backup.name
        project = store.projects.get("old-bot")
        assert (project.name, project.client, project.version) == ("Old Bot", "Acme", 4)
        # Seed-schema logs (one text column) are still readable.
        assert list(store.builds.read_log(7)) == ["line one", "line two"]
        store.builds.append_log(7, ["line three"])
        assert list(store.builds.read_log(7)) == ["line one", "line two", "line three"]

    assert _revision(db) == head_revision()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        assert conn.execute("SELECT slug FROM projects").fetchall() == [("old-bot",)]
        assert "registries" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


def test_database_from_a_newer_pixel_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    Store.open(f"sqlite:///{db}").close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"revision 9999.*newer Pixel"):
        Store.open(f"sqlite:///{db}")


def test_database_with_foreign_tables_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other-app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="not a Pixel store"):
        Store.open(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:  # and it was left untouched
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]


def test_every_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    db = tmp_path / "roundtrip.db"
    Store.open(f"sqlite:///{db}").close()
    engine = create_store_engine(make_url(f"sqlite:///{db}"))
    try:
        with migration_transaction(engine) as conn:
            command.downgrade(alembic_config(conn), "base")
        with sqlite3.connect(db) as conn:
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        # sqlite_sequence (AUTOINCREMENT's counters) is SQLite's own and cannot be dropped.
        assert names <= {"alembic_version", "sqlite_sequence"}
    finally:
        engine.dispose()
    with Store.open(f"sqlite:///{db}") as store:
        assert store.projects.count() == 0
    assert _revision(db) == head_revision()


def test_upgrade_to_autoincrement_keeps_builds_logs_artifacts_and_deployments(
    tmp_path: Path,
) -> None:
    """0004 rebuilds builds/deployments; nothing that points at a build may be lost."""
    db = tmp_path / "r3.db"
    _at_revision(db, "0003")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO clients VALUES (1, 'Acme', 'acme', '2025-01-01 00:00:00')")
        conn.execute("INSERT INTO templates VALUES (1, 'faq-assistant', NULL, '2025-01-01')")
        conn.execute(
            "INSERT INTO projects VALUES (1, 'old-bot', 'Old Bot', 1, 1, ?, 1,"
            " '2025-01-01 00:00:00', '2025-01-02 00:00:00')",
            ('{"spec_version":1,"name":"Old Bot","client":"Acme","slug":"old-bot"}',),
        )
        conn.execute(
            "INSERT INTO builds (id, project_id, status, created_at, log_line_count)"
            " VALUES (5, 1, 'completed', '2025-01-01 00:00:00', 2)"
        )
        conn.executemany("INSERT INTO build_log_lines VALUES (5, ?, ?)", [(1, "one"), (2, "two")])
        conn.execute(
            "INSERT INTO build_artifacts (build_id, path, content, role, sha256, size_bytes)"
            " VALUES (5, 'app.py', x'00', 'code', 'abc', 1)"
        )
        conn.execute(
            "INSERT INTO deployments (id, project_id, target_name, build_id, image_ref,"
            " config_snapshot, status, created_at) VALUES"
            " (3, 1, 'local', 5, 'img:b5', '{}', 'healthy', '2025-01-01 00:00:00')"
        )

    with Store.open(f"sqlite:///{db}") as store:
        assert list(store.builds.read_log(5)) == ["one", "two"]
        assert [a.path for a in store.builds.artifacts(5)] == ["app.py"]
        assert [(d.id, d.build_id) for d in store.deployments.list()] == [(3, 5)]
        # Deleting the newest build's project must not hand its id out again.
        store.projects.delete("old-bot")
        from pixel_desktop.spec import spec_from_data

        project = store.projects.create(
            spec_from_data({"spec_version": 1, "name": "New", "client": "Acme"})
        )
        assert store.builds.create(project.id).id == 6
        assert store.deployments.create(project.id, "local", "img:b6").id == 4

    with sqlite3.connect(db) as conn:
        sql = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        assert "AUTOINCREMENT" in sql["builds"] and "AUTOINCREMENT" in sql["deployments"]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_migration_transaction_restores_foreign_keys_on_the_connection(tmp_path: Path) -> None:
    engine = create_store_engine(make_url(f"sqlite:///{tmp_path / 'fk.db'}"))
    try:
        with migration_transaction(engine) as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
