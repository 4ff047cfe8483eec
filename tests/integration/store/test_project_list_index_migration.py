"""Migration 0008 (the project list's covering index) upgrades a populated store on SQLite
and PostgreSQL keeping every project; the list query then answers as the full list does."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from pixel_desktop.spec import ProjectSpec
from pixel_desktop.store import Store
from pixel_desktop.store.connection import create_store_engine
from pixel_desktop.store.migrate import alembic_config, migration_transaction

SHOWN = ("id", "slug", "name", "client", "template", "version", "updated_at")


def _populate_at_0007(url: str, projects: int) -> None:
    """A store at revision 0007 holding ``projects`` projects of 3 clients, written as
    rows (the models describe the head schema); ids are handed out from 1, in order."""
    engine = create_store_engine(make_url(url))
    try:
        with migration_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), "0007")
        with engine.begin() as conn:
            for i, name in enumerate(("Acme", "acme", "Beta")):
                conn.exec_driver_sql(
                    f"INSERT INTO clients (name, slug, created_at) VALUES ('{name}', 'c{i}', '2026-01-01 00:00:00')"
                )
            conn.exec_driver_sql(
                "INSERT INTO templates (name, created_at) VALUES ('faq-assistant', '2026-01-01 00:00:00')"
            )
            for i in range(projects):
                slug = f"bot-{i:03d}"
                spec = json.dumps({"spec_version": 1, "name": f"Bot {i % 7}", "client": "x", "slug": slug})
                conn.exec_driver_sql(
                    "INSERT INTO projects (slug, name, client_id, template_id, spec, version,"
                    " created_at, updated_at, secrets_key) VALUES"
                    f" ('{slug}', 'Bot {i % 7}', {i % 3 + 1}, 1, '{spec}', {i % 4 + 1},"
                    f" '2026-01-01 00:00:00', '2026-01-02 03:04:{i % 60:02d}', '{slug}.key')"
                )
    finally:
        engine.dispose()


def test_upgrading_a_populated_store_keeps_every_project_and_indexes_the_list(store_url: str) -> None:
    _populate_at_0007(store_url, 60)
    with Store.open(store_url) as store:
        records = store.projects.list()
        assert [r.slug for r in sorted(records, key=lambda r: r.id)] == [f"bot-{i:03d}" for i in range(60)]
        assert {(r.id, r.client, r.version) for r in records} == {
            (i + 1, ("Acme", "acme", "Beta")[i % 3], i % 4 + 1) for i in range(60)
        }
        summaries = store.project_list.summaries()
        assert [tuple(getattr(s, f) for f in SHOWN) for s in summaries] == [
            tuple(getattr(r, f) for f in SHOWN) for r in records
        ]
        with store.engine.connect() as conn:
            indexes = {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("projects")}
        assert indexes["ix_projects_list"] == ["client_id", "template_id", "name", "slug", "version", "updated_at"]
        assert "ix_projects_client_id" not in indexes
        # The store still takes new projects of the migrated clients.
        made = store.projects.create(ProjectSpec(name="New", client="Beta"))
        assert store.projects.get("new") == made and made.id > 60
