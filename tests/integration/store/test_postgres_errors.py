"""Login problems against the real PostgreSQL say what is wrong, without the password."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from pixel_desktop.errors import StoreError
from pixel_desktop.store import Store


def test_wrong_password_is_reported_as_a_refused_login(pg_url: str) -> None:
    bad = make_url(pg_url).set(password="not-the-password-42")
    with pytest.raises(StoreError) as err:
        Store.open(bad.render_as_string(hide_password=False))
    text = str(err.value)
    assert "refused the connection: password authentication failed" in text
    assert "not-the-password-42" not in text


def test_missing_database_is_named(pg_url: str) -> None:
    bad = make_url(pg_url).set(database="pixel_no_such_db")
    with pytest.raises(StoreError, match='database "pixel_no_such_db" does not exist'):
        Store.open(bad.render_as_string(hide_password=False))


def test_describe_names_host_port_and_database_only(pg_store_url: str) -> None:
    url = make_url(pg_store_url)
    with Store.open(pg_store_url) as store:
        assert store.describe() == f"PostgreSQL {url.host}:{url.port or 5432}/{url.database}"
        assert (url.password or "\x00") not in store.describe()
