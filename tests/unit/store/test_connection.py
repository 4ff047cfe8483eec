"""Store URLs: SQLite connection settings, and one clear sentence for each bad URL."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from pixel_desktop.errors import StoreError
from pixel_desktop.store import Store
from pixel_desktop.store.connection import create_store_engine, parse_url


def test_every_sqlite_connection_has_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'p.db'}") as store:
        conns = [store.engine.raw_connection() for _ in range(3)]  # distinct pool connections
        try:
            for conn in conns:
                cur = conn.cursor()
                assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert cur.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
                assert cur.execute("PRAGMA foreign_keys").fetchone()[0] == 1
                cur.close()
        finally:
            for conn in conns:
                conn.close()


def test_several_first_opens_of_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    """Switching a new file to WAL can get "database is locked" at once, busy timeout or
    not, while another connection is switching it too (two first starts at once, or a CLI
    command opening the store while the app does). Each round is a race that failed about
    one time in seven before the switch was retried."""
    for round_ in range(60):
        url = parse_url(f"sqlite:///{tmp_path / f'r{round_}.db'}")
        assert _open_at_once(url, 4) == [], f"round {round_}"


def _open_at_once(url: URL, count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            barrier.wait()
            engine = create_store_engine(url)
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            engine.dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_default_url_is_pixel_db_in_pixel_home(pixel_home: Path) -> None:
    with Store.open() as store:
        assert store.describe() == f"SQLite {(pixel_home / 'pixel.db').resolve()}"
    assert (pixel_home / "pixel.db").is_file()


def test_store_url_env_var_is_used_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "team.db"
    monkeypatch.setenv("PIXEL_STORE_URL", f"sqlite:///{target}")
    with Store.open() as store:
        assert store.describe() == f"SQLite {target.resolve()}"
    assert target.is_file()


def test_malformed_url_names_the_problem_and_the_expected_form() -> None:
    with pytest.raises(StoreError, match="not a database URL") as err:
        Store.open("pixel.db")
    assert "postgresql+psycopg://" in str(err.value)


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(StoreError, match=r"'mysql'.*does not support"):
        Store.open("mysql://u@localhost/pixel")


def test_missing_driver_says_what_to_install() -> None:
    with pytest.raises(StoreError, match=r"driver .* is not installed"):
        Store.open("postgresql+pg8000://u@127.0.0.1/pixel")


def test_plain_postgresql_url_means_psycopg3_and_needs_a_database() -> None:
    assert parse_url("postgresql://u:pw@db.example:6543/pixel").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="names no database"):
        parse_url("postgresql://u@db.example")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_postgresql_names_host_and_port_and_hides_the_password() -> None:
    port = _free_port()  # nothing listens there once the socket is closed
    with pytest.raises(StoreError) as err:
        Store.open(f"postgresql+psycopg://pixel:hunter2@127.0.0.1:{port}/pixel")
    text = str(err.value)
    assert text.startswith(f"cannot reach PostgreSQL at 127.0.0.1:{port}: ")
    assert "hunter2" not in text


def test_unwritable_sqlite_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Cannot create the folder"):
        Store.open(f"sqlite:///{blocker / 'sub' / 'p.db'}")


def test_describe_never_shows_a_password() -> None:
    from pixel_desktop.store.connection import describe_url

    assert (
        describe_url(parse_url("postgresql+psycopg://u:secret@h:5433/db")) == "PostgreSQL h:5433/db"
    )


def test_a_file_that_is_not_sqlite_is_a_clear_store_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"this is not a database " * 100)
    with pytest.raises(StoreError, match=r"Cannot open the SQLite store .*file is not a database"):
        Store.open(f"sqlite:///{bogus}")


def test_in_memory_sqlite_store_works_for_quick_checks() -> None:
    with Store.open("sqlite://") as store:
        assert store.describe() == "SQLite in-memory"
        assert store.projects.count() == 0
        store.registries.add("local", "127.0.0.1:5000")
        assert [r.name for r in store.registries.list()] == ["local"]
