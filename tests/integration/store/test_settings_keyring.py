"""The store password round-trips through the real Secret Service and opens PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from pixel_desktop import paths, settings
from pixel_desktop.store import Store


def _forget(backend: object, key: str) -> None:
    with contextlib.suppress(Exception):  # already gone is fine
        backend.delete_password(settings.STORE_SECRET_SERVICE, key)  # type: ignore[attr-defined]


@pytest.fixture
def unique_pg_url(pg_store_url: str) -> Iterator[str]:
    """The test database's URL, made unique (application_name) so its keyring entry is ours."""
    yield (
        make_url(pg_store_url)
        .update_query_dict({"application_name": f"pixel-test-{uuid.uuid4().hex[:8]}"})
        .render_as_string(hide_password=False)
    )


def test_saved_postgres_password_lives_in_the_secret_service_and_the_store_opens(
    secret_service: object, unique_pg_url: str
) -> None:
    password = make_url(unique_pg_url).password
    assert password, "the test PostgreSQL URL is expected to carry a password"
    key = settings.split_store_password(unique_pg_url)[0]
    try:
        settings.save(settings.Settings(store_url=unique_pg_url))

        text = paths.settings_file().read_text(encoding="utf-8")
        assert password not in text
        assert json.loads(text)["store_url"] == key
        stored = secret_service.get_password(  # type: ignore[attr-defined]
            settings.STORE_SECRET_SERVICE, key
        )
        assert stored == password

        with Store.open() as store:  # None: the settings' effective URL, password restored
            assert store.describe().startswith("PostgreSQL ")
            store.projects.count()
    finally:
        _forget(secret_service, key)


def test_a_new_password_for_the_same_url_replaces_the_old_one(secret_service: object) -> None:
    host = f"db-{uuid.uuid4().hex[:8]}.invalid"
    url = f"postgresql+psycopg://carol:{{}}@{host}:5432/pixel"
    key = f"postgresql+psycopg://carol@{host}:5432/pixel"
    try:
        settings.save(settings.Settings(store_url=url.format("first")))
        settings.save(settings.Settings(store_url=url.format("second")))
        assert settings.load().effective_store_url() == url.format("second")
        assert "second" not in paths.settings_file().read_text(encoding="utf-8")
    finally:
        _forget(secret_service, key)
