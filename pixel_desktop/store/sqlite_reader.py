"""Read the project list from a current SQLite store without SQLAlchemy.

Why: importing SQLAlchemy alone takes longer than `docker image ls` does in all, and a
`pixel projects list` on the default (SQLite) store needs one SELECT. When the URL is a
plain SQLite file URL, the file exists and its schema is at the head this Pixel writes,
the list query (store/project_list.py, the same statement the store runs) goes through the
standard library's sqlite3. Anything else (PostgreSQL, a URL with options, a missing file,
a schema to migrate, an unreadable file) answers None, and the caller opens the full store,
which checks, creates, migrates and reports errors as always.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pixel_desktop import paths
from pixel_desktop.store.project_list import sqlite_summaries
from pixel_desktop.store.project_summary import ProjectSummary
from pixel_desktop.store.schema_head import HEAD_REVISION, head_is_newest_script

# The same wait as the store's engine (store/connection.py) when a writer holds the lock.
BUSY_TIMEOUT_MS = 5000
_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def sqlite_file_path(url_text: str) -> Path | None:
    """The file a plain ``sqlite:///PATH`` URL names, or None for any URL this module leaves
    to SQLAlchemy's parser (other backends, query options, escapes, in-memory)."""
    url = url_text.strip()
    prefix = next((p for p in _PREFIXES if url.startswith(p)), None)
    if prefix is None:
        return None
    database = url[len(prefix):]
    if not database or database == ":memory:" or any(c in database for c in "?%#"):
        return None
    return Path(database).expanduser()


class SqliteProjectList:
    """The list query on a plain sqlite3 connection; :meth:`open` says whether it applies."""

    def __init__(self, conn: sqlite3.Connection, db: Path) -> None:
        self._conn = conn
        self._db = db

    @classmethod
    def open(cls, url_text: str) -> SqliteProjectList | None:
        db = sqlite_file_path(url_text)
        if db is None or not db.is_file() or not head_is_newest_script():
            return None
        # As the engine does at every open: the store and its -wal/-shm stay private.
        for file in (db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))):
            if file.exists():
                try:
                    paths.private_file(file)
                except OSError:
                    return None
        try:
            conn = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            row = None
        if row is None or row[0] != HEAD_REVISION:
            conn.close()
            return None
        return cls(conn, db)

    def summaries(self, search: str | None = None, *, faq_entries: bool = False) -> list[ProjectSummary]:
        from pixel_desktop.errors import StoreError

        try:
            return sqlite_summaries(self._conn, search, faq_entries=faq_entries)
        except sqlite3.Error as exc:
            raise StoreError(f"The store SQLite {self._db.resolve()} failed: {exc}.") from exc

    def close(self) -> None:
        self._conn.close()
