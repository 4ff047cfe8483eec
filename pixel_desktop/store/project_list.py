"""The project list query: what the project tree and `pixel projects list` show, nothing more.

Why a query of its own: the full records carry each project's spec JSON (kilobytes per
project), and building them through the ORM made listing 10,000 projects take about half a
second. This is one SQL statement over the columns a list shows; the spec blobs stay in
the database (the FAQ count, when asked for, is read there with the backend's JSON
function), and neither the ORM nor the spec model is imported. The same statement runs on
the store's engine (:class:`ProjectList`) or on a plain sqlite3 connection
(:func:`sqlite_summaries`, for a `pixel` command that need not import SQLAlchemy at all).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pixel_desktop.store.project_summary import ProjectSummary

if TYPE_CHECKING:
    from pixel_desktop.store._session import Sessions

_COLUMNS = "p.id, p.slug, p.name, c.name AS client, t.name AS template, p.version, p.updated_at"
# The clients come ranked by lower(name) (equal lowered names share a rank), so sorting the
# projects compares an integer first instead of a client name per comparison: the same
# order, and on PostgreSQL (where lower() and comparing text under the database's
# collation cost most of the query) about a fifth less work. On SQLite the projects are
# read from the covering index ix_projects_list (migration 0008), never from their rows.
_FROM = (
    " FROM projects p JOIN (SELECT id, name, dense_rank() OVER (ORDER BY lower(name)) AS name_rank"
    " FROM clients) c ON c.id = p.client_id"
    " JOIN templates t ON t.id = p.template_id"
)
# The same filter and order as ProjectRepository.list (lower() on both backends).
_SEARCH = (
    " WHERE lower(p.name) LIKE {p} ESCAPE '/' OR lower(p.slug) LIKE {p} ESCAPE '/'"
    " OR lower(c.name) LIKE {p} ESCAPE '/' OR lower(t.name) LIKE {p} ESCAPE '/'"
)
# How each driver names a parameter (sqlite3: named style; psycopg: pyformat, so the
# statement may hold no other "%": psycopg would read it as a placeholder).
_PATTERN = {"sqlite": ":pattern", "postgresql": "%(pattern)s"}
_ORDER = " ORDER BY c.name_rank, lower(p.name), p.id"  # = lower(c.name), lower(p.name), p.id
_FAQ_ENTRIES = {
    "sqlite": "coalesce(json_array_length(p.spec, '$.training_data.faq'), 0)",
    "postgresql": "coalesce(json_array_length((p.spec::json) -> 'training_data' -> 'faq'), 0)",
}


def contains_pattern(search: str) -> str:
    """A LIKE pattern (escape character '/') matching text that contains ``search``."""
    escaped = search.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def summary_query(dialect: str, search: str | None, faq_entries: bool) -> tuple[str, dict[str, str]]:
    """The statement, in the parameter style of the dialect's driver (it runs on the
    driver's own cursor), and its parameters."""
    columns = _COLUMNS + (f", {_FAQ_ENTRIES[dialect]} AS faq_entries" if faq_entries else "")
    sql = f"SELECT {columns}{_FROM}"
    params: dict[str, str] = {}
    term = (search or "").strip().lower()
    if term:
        sql += _SEARCH.format(p=_PATTERN[dialect])
        params["pattern"] = contains_pattern(term)
    return sql + _ORDER, params


def utc(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware UTC datetime, as the ORM's UTCDateTime gives it (SQLite
    hands back naive text without the ORM, PostgreSQL an aware datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:  # one C call; a "+00:00" offset parses to datetime.UTC itself
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text that carries its own offset
            value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def summaries_from_rows(rows: Iterable[Sequence[Any]], faq_entries: bool) -> list[ProjectSummary]:
    make = ProjectSummary._make
    if faq_entries:
        return [make((r[0], r[1], r[2], r[3], r[4], r[5], utc(r[6]), r[7])) for r in rows]
    return [make((r[0], r[1], r[2], r[3], r[4], r[5], utc(r[6]), None)) for r in rows]


def sqlite_summaries(
    conn: sqlite3.Connection, search: str | None = None, *, faq_entries: bool = False
) -> list[ProjectSummary]:
    """:meth:`ProjectList.summaries` on a plain sqlite3 connection (store/sqlite_reader.py)."""
    sql, params = summary_query("sqlite", search, faq_entries)
    return summaries_from_rows(conn.execute(sql, params).fetchall(), faq_entries)


class ProjectList:
    """The list query on the store's engine (SQLite or PostgreSQL)."""

    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    def summaries(self, search: str | None = None, *, faq_entries: bool = False) -> list[ProjectSummary]:
        """All projects, or those whose name, slug, client or template contains ``search``,
        in the order of ``ProjectRepository.list``; ``faq_entries`` also counts each spec's
        FAQ entries (in the database).

        On the driver's cursor, inside the engine's connection and transaction: making
        SQLAlchemy rows of 10,000 results cost about a sixth of the query's CPU time."""
        from pixel_desktop.errors import StoreError

        with self._s.connect() as conn:
            dialect = conn.dialect.name
            sql, params = summary_query(dialect, search, faq_entries)
            driver = conn.connection.driver_connection
            assert driver is not None
            try:
                rows = driver.cursor().execute(sql, params).fetchall()
            except conn.dialect.loaded_dbapi.Error as exc:
                detail = str(exc).strip().splitlines()
                raise StoreError(
                    f"The store {self._s.where} failed: {detail[0] if detail else exc.__class__.__name__}."
                ) from exc
        return summaries_from_rows(rows, faq_entries)
