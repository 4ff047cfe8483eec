"""The list query gives what the full list gave for every field a list shows, on the store's
engine and on the plain sqlite3 reader; the reader leaves everything else to the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url

from pixel_desktop.spec import ProjectSpec
from pixel_desktop.spec.model import FaqEntry, TrainingData
from pixel_desktop.store import Store
from pixel_desktop.store.connection import create_store_engine
from pixel_desktop.store.migrate import alembic_config, migration_transaction
from pixel_desktop.store.project_list import contains_pattern, summary_query
from pixel_desktop.store.sqlite_reader import SqliteProjectList, sqlite_file_path

SHOWN = ("id", "slug", "name", "client", "template", "version", "updated_at")
SEARCHES = (None, "", "  HELPER ", "acme", "100%", "_", "a/b", "zzz")


def _spec(name: str, client: str, faq: int) -> ProjectSpec:
    entries = [FaqEntry(question=f"Question {i}?", answer=f"Answer {i}.") for i in range(faq)]
    return ProjectSpec(name=name, client=client, training_data=TrainingData(faq=entries))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with Store.open(f"sqlite:///{path}") as store:
        for name, client, faq in [
            ("Support", "Acme", 3), ("Billing", "acme", 0), ("Zeta helper", "Beta", 1),
            ("Alpha helper", "beta", 2), ("Odd a/b 100% _x_", "Gamma", 5),
        ]:
            store.projects.create(_spec(name, client, faq))
        store.projects.update("support", _spec("Support", "Acme", 4), 1)  # version 2
    return path


def _shown(record: object) -> tuple[object, ...]:
    return tuple(getattr(record, field) for field in SHOWN)


def test_the_list_query_returns_what_the_full_list_did_for_the_fields_shown(db: Path) -> None:
    with Store.open(f"sqlite:///{db}") as store:
        for search in SEARCHES:
            full = store.projects.list(search)
            summaries = store.project_list.summaries(search, faq_entries=True)
            assert [_shown(s) for s in summaries] == [_shown(r) for r in full], search
            assert [s.faq_entries for s in summaries] == [len(r.spec.training_data.faq) for r in full]
        assert {s.faq_entries for s in store.project_list.summaries()} == {None}
        assert len(store.project_list.summaries()) == 5


def test_the_sqlite_reader_answers_as_the_store_does(db: Path) -> None:
    reader = SqliteProjectList.open(f"sqlite:///{db}")
    assert reader is not None
    try:
        with Store.open(f"sqlite:///{db}") as store:
            for search in SEARCHES:
                for faq in (False, True):
                    assert reader.summaries(search, faq_entries=faq) == store.project_list.summaries(
                        search, faq_entries=faq
                    )
    finally:
        reader.close()


def test_the_sqlite_reader_leaves_other_stores_to_the_full_store(tmp_path: Path, db: Path) -> None:
    assert SqliteProjectList.open("postgresql+psycopg://u@localhost/pixel") is None
    assert SqliteProjectList.open(f"sqlite:///{db}?timeout=5") is None
    assert SqliteProjectList.open(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert not (tmp_path / "missing.db").exists()
    assert SqliteProjectList.open("sqlite://") is None
    old = tmp_path / "old.db"
    engine = create_store_engine(make_url(f"sqlite:///{old}"))
    try:
        with migration_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), "0005")
    finally:
        engine.dispose()
    assert SqliteProjectList.open(f"sqlite:///{old}") is None  # to be migrated first
    not_a_store = tmp_path / "other.db"
    sqlite3.connect(not_a_store).close()
    assert SqliteProjectList.open(f"sqlite:///{not_a_store}") is None


def test_plain_sqlite_urls_name_their_file(tmp_path: Path) -> None:
    assert sqlite_file_path(f"sqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    assert sqlite_file_path(" sqlite+pysqlite:///rel/a.db ") == Path("rel/a.db")
    assert sqlite_file_path("sqlite:///~/a.db") == Path("~/a.db").expanduser()
    assert sqlite_file_path("sqlite:///a%20b.db") is None


def test_like_wildcards_in_a_search_are_matched_literally() -> None:
    assert contains_pattern("100%_a/b") == "%100/%/_a//b%"


def test_the_list_query_reads_the_covering_index_not_the_project_rows(tmp_path: Path) -> None:
    """The rows carry the spec JSON; the list shows none of it (migration 0008)."""
    db = tmp_path / "plan.db"
    Store.open(f"sqlite:///{db}").close()
    with sqlite3.connect(db) as conn:
        for search in (None, "acme"):
            sql, params = summary_query("sqlite", search, faq_entries=False)
            plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "COVERING INDEX ix_projects_list" in plan, plan


def test_a_failing_list_query_is_a_store_error_naming_the_store(tmp_path: Path) -> None:
    """The query runs on the driver's cursor; its errors still read as the store's."""
    from pixel_desktop.errors import StoreError

    db = tmp_path / "broken.db"
    with Store.open(f"sqlite:///{db}") as store:
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TABLE templates")
        with pytest.raises(StoreError, match=r"The store SQLite .*broken\.db failed: no such table"):
            store.project_list.summaries()
