"""Short transactions for the repositories, with database failures turned into StoreError.

Why one short session per call: records are plain dataclasses, so nothing needs a session
to stay open; short transactions keep SQLite's single writer lock brief (the GUI, the
build engine's log writer and a CLI may all write at once) and let the pool hand
connections to any thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError, IntegrityError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

from pixel_desktop.errors import StoreError
from pixel_desktop.store.connection import describe_url


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.where = describe_url(engine.url)

    # The ORM is imported when a repository first needs a session: the list query runs on
    # a plain connection (``connect``), and a `pixel projects list` never loads the ORM.
    @cached_property
    def _read(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def _write(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        # SQLite: BEGIN IMMEDIATE so a read-then-write transaction waits for the lock
        # (busy_timeout) instead of failing; other backends ignore the option.
        return sessionmaker(
            self.engine.execution_options(pixel_sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """One read transaction on a plain connection (no ORM session)."""
        with self._translate(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._translate(), self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._translate(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise  # the repositories turn these into AlreadyExists/NotFound messages
        except DBAPIError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise StoreError(
                f"The store {self.where} failed: {detail[0] if detail else exc.__class__.__name__}."
            ) from exc


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE/DELETE matched (``Session.execute`` is typed as returning a plain
    ``Result``; for DML it is a ``CursorResult``, which has the count)."""
    return cast(CursorResult[Any], result).rowcount
