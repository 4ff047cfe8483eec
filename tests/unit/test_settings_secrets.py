"""The store password never lands in settings.json; the file is private and atomic.

A fake in-memory keyring backend stands in for the OS keyring here; the real Secret
Service is exercised in tests/integration/store/test_settings_keyring.py.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyring_fakes import MemoryKeyring

from pixel_desktop import paths, settings
from pixel_desktop.errors import InputError, SecretStoreError

PG = "postgresql+psycopg://alice:s3cr%40t@db.example:5433/pixel"
PG_NO_PW = "postgresql+psycopg://alice@db.example:5433/pixel"


@pytest.fixture
def fake_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _file_text() -> str:
    return paths.settings_file().read_text(encoding="utf-8")


def test_saving_a_postgres_url_keeps_the_password_in_the_keyring_not_the_file(
    fake_keyring: MemoryKeyring,
) -> None:
    settings.save(settings.Settings(store_url=PG, build_concurrency=3))

    text = _file_text()
    assert "s3cr" not in text and "%40t" not in text
    assert json.loads(text)["store_url"] == PG_NO_PW
    assert fake_keyring.data == {("pixel-ai-creator/store", PG_NO_PW): "s3cr@t"}
    loaded = settings.load()
    assert loaded.store_url == PG_NO_PW and loaded.build_concurrency == 3
    assert loaded.effective_store_url() == PG


def test_a_password_in_the_query_string_is_moved_to_the_keyring_too(
    fake_keyring: MemoryKeyring,
) -> None:
    settings.save(settings.Settings(store_url=PG_NO_PW + "?password=qp&sslmode=require"))
    stored = json.loads(_file_text())["store_url"]
    assert "qp" not in stored and "sslmode=require" in stored
    assert fake_keyring.data == {("pixel-ai-creator/store", stored): "qp"}
    assert "alice:qp@" in settings.load().effective_store_url()


def test_settings_file_is_private_and_written_through_an_unpredictable_temp_file(
    fake_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    # An attacker pre-creating the old predictable temp name must not redirect the write.
    os.symlink(victim, paths.settings_file().with_suffix(".json.tmp"))

    settings.save(settings.Settings(docker_host="unix:///run/docker.sock"))

    assert victim.read_text() == "untouched"
    mode = stat.S_IMODE(paths.settings_file().stat().st_mode)
    assert mode == 0o600
    leftovers = [p.name for p in paths.home().iterdir() if p.name.startswith(".settings")]
    assert leftovers == []
    assert settings.load().docker_host == "unix:///run/docker.sock"


def test_without_a_keyring_the_password_stays_out_of_the_file_and_the_error_says_what_to_do(
    no_keyring: None,
) -> None:
    with pytest.raises(SecretStoreError, match="PIXEL_STORE_URL") as caught:
        settings.save(settings.Settings(store_url=PG, health_timeout_s=90))
    assert "s3cr" not in str(caught.value)
    text = _file_text()
    assert "s3cr" not in text
    loaded = settings.load()
    assert loaded.health_timeout_s == 90  # the other settings were still saved
    assert loaded.effective_store_url() == PG_NO_PW


def test_environment_store_url_wins_over_the_saved_one(
    fake_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.save(settings.Settings(store_url=PG))
    monkeypatch.setenv("PIXEL_STORE_URL", "sqlite:////tmp/other.db")
    assert settings.load().effective_store_url() == "sqlite:////tmp/other.db"


def test_sqlite_and_passwordless_urls_never_touch_the_keyring(
    fake_keyring: MemoryKeyring,
) -> None:
    for url in ("sqlite:////home/a@b/pixel.db", "postgresql+psycopg://bob@h/db"):
        settings.save(settings.Settings(store_url=url))
        assert json.loads(_file_text())["store_url"] == url
    assert fake_keyring.data == {}
    assert settings.load().effective_store_url() == "postgresql+psycopg://bob@h/db"


def test_a_store_url_that_is_not_a_url_is_refused_and_nothing_is_written(
    fake_keyring: MemoryKeyring,
) -> None:
    with pytest.raises(InputError, match="not a database URL"):
        settings.save(settings.Settings(store_url="postgresql://u:pw@host:notaport/db"))
    assert not paths.settings_file().exists()


def test_a_plain_text_password_from_an_older_version_is_moved_into_the_keyring_on_load(
    fake_keyring: MemoryKeyring,
) -> None:
    paths.settings_file().write_text(json.dumps({"store_url": PG}))
    paths.settings_file().chmod(0o644)

    loaded = settings.load()

    assert loaded.effective_store_url() == PG
    assert "s3cr" not in _file_text()
    assert stat.S_IMODE(paths.settings_file().stat().st_mode) == 0o600
    assert fake_keyring.data == {("pixel-ai-creator/store", PG_NO_PW): "s3cr@t"}


def test_an_old_plain_text_file_without_a_keyring_keeps_working_but_becomes_private(
    no_keyring: None,
) -> None:
    paths.settings_file().write_text(json.dumps({"store_url": PG}))
    paths.settings_file().chmod(0o644)

    assert settings.load().effective_store_url() == PG
    assert stat.S_IMODE(paths.settings_file().stat().st_mode) == 0o600


def test_saving_settings_works_where_os_fchmod_does_not_exist(
    fake_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows before Python 3.13 has no os.fchmod; saving must not depend on it."""
    monkeypatch.delattr(os, "fchmod", raising=False)

    settings.save(settings.Settings(build_concurrency=5))

    assert settings.load().build_concurrency == 5
    assert stat.S_IMODE(paths.settings_file().stat().st_mode) == 0o600
