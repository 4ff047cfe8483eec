"""Turn a store URL into a configured SQLAlchemy engine, with errors a user can act on.

Why the care: the URL comes from a settings field, an env var or ``--store``; a typo, a
missing driver or a server that is down must each end in one sentence that says which,
not a driver traceback. SQLite gets WAL (readers never block the writer), a busy timeout
(two processes, e.g. the GUI and a CLI build, wait instead of failing) and foreign keys,
which SQLite leaves off unless every connection asks.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from pixel_desktop import paths
from pixel_desktop.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 10
URL_EXAMPLES = "sqlite:////path/to/pixel.db or postgresql+psycopg://user@host:5432/dbname"


def parse_url(url: str) -> URL:
    """Parse and normalise a store URL; plain ``postgresql://`` means psycopg 3."""
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"The store URL {safe_url_text(url)!r} is not a database URL ({exc}).",
            hint=f"Use {URL_EXAMPLES}.",
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.database:
            raise StoreError(
                f"The store URL {describe_url(parsed)} names no database.",
                hint="Add it after the host, e.g. postgresql+psycopg://user@host:5432/pixel.",
            )
        return parsed
    if backend == "sqlite":
        return parsed
    raise StoreError(
        f"The store URL uses {backend!r}, which Pixel does not support.",
        hint=f"Use {URL_EXAMPLES}.",
    )


def safe_url_text(url: str) -> str:
    """The URL with any password masked, for messages; unparsable text is cut short."""
    try:
        return make_url(url.strip()).render_as_string(hide_password=True)
    except Exception:
        return url if "@" not in url else "<url with credentials>"


def describe_url(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        db = url.database
        return "SQLite in-memory" if not db or db == ":memory:" else f"SQLite {Path(db).resolve()}"
    host = url.host or "localhost"
    port = url.port or 5432
    return f"PostgreSQL {host}:{port}/{url.database}"


def is_sqlite_file(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and bool(url.database) and url.database != ":memory:"


def create_store_engine(url: URL) -> Engine:
    """Create (never at import time) and probe an engine for ``url``."""
    from sqlalchemy import create_engine

    kwargs: dict[str, Any] = {"future": True}
    if url.get_backend_name() == "sqlite":
        if is_sqlite_file(url):
            db = Path(url.database or "").expanduser()
            # The store holds clients' data: a folder made for it is 0700 (an existing one is
            # the user's, left as it is), the file 0600 from its creation, as are its -wal
            # and -shm, which SQLite creates with the database file's mode.
            try:
                db.parent.mkdir(mode=paths.PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"Cannot create the folder for {db}: {exc.strerror}.") from None
            try:
                for file in (
                    db,
                    *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal")),
                ):
                    if file is db or file.exists():
                        paths.private_file(file)
            except OSError as exc:
                raise StoreError(f"Cannot create the store file {db}: {exc.strerror}.") from None
            url = url.set(database=str(db))
        else:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
    else:
        connect_args = {}
        if "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
        kwargs.update(pool_pre_ping=True, connect_args=connect_args)
    try:
        engine = create_engine(url, **kwargs)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise StoreError(
            f"The database driver for {url.drivername} is not installed ({exc}).",
            hint="PostgreSQL needs psycopg 3: pip install 'psycopg[binary]', and a URL "
            "starting postgresql+psycopg://.",
        ) from None
    except ArgumentError as exc:
        raise StoreError(f"The store URL {describe_url(url)} is invalid: {exc}.") from None
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, wal=is_sqlite_file(url))
    _probe(engine, url)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                _use_wal(cur)
            # FULL: a committed transaction survives power loss too, not only a crash.
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then
        # writes can fail with "database is locked" without ever waiting for busy_timeout.
        mode = conn.get_execution_options().get("pixel_sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _use_wal(cur: Any) -> None:
    """Switch the file to WAL, which it then keeps. Why the loop: the switch needs the file
    to itself, and SQLite answers "database is locked" at once, without its busy handler,
    when another connection holds it for a moment (several first starts at once; a CLI
    command opening the store while the app does)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _probe(engine: Engine, url: URL) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        engine.dispose()
        raise connection_error(url, exc) from None


def connection_error(url: URL, exc: BaseException) -> StoreError:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = detail[0] if detail else exc.__class__.__name__
    if url.get_backend_name() == "sqlite":
        return StoreError(
            f"Cannot open the SQLite store {url.database}: {first}.",
            hint="Check the path exists and is writable, or set PIXEL_STORE_URL to another file.",
        )
    host = url.host or "localhost"
    port = url.port or 5432
    # psycopg: 'connection failed: connection to server at "h", port p failed: <reason>'
    reason = re.sub(r'^.*connection to server at "[^"]*",? port \d+ failed:\s*', "", first)
    reason = re.sub(r"^connection failed:\s*", "", reason).rstrip(".")
    if reason.startswith("FATAL:"):
        reason = re.sub(r"^FATAL:\s*", "", reason)
        return StoreError(
            f"PostgreSQL at {host}:{port} refused the connection: {reason}.",
            hint="Check the user, password and database name in the store URL "
            "(PIXEL_STORE_URL or --store).",
        )
    return StoreError(
        f"cannot reach PostgreSQL at {host}:{port}: {reason}.",
        hint="Check that the server runs and the host and port in the store URL are right.",
    )
