"""Run the store suite against SQLite (a temp file) and the real PostgreSQL.

PostgreSQL isolation: each test gets its own schema (``search_path`` set through the
connection's ``options``), created empty so the migrations build it, and dropped after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from pixel_desktop.store import Store


@contextmanager
def pg_schema_url(base: str) -> Iterator[str]:
    """A URL whose connections live in a fresh, empty schema; dropped on exit."""
    schema = f"pixel_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with pg_schema_url(request.getfixturevalue("pg_url")) as url:
        yield url


@pytest.fixture
def pg_store_url(pg_url: str) -> Iterator[str]:
    with pg_schema_url(pg_url) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.close()
