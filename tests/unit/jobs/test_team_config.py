"""Team mode is on with a broker URL and a PostgreSQL store, off without a broker, and a
broker with a SQLite store is refused in one sentence; the broker password goes to the
keyring like the store's."""

from __future__ import annotations

import pytest

from pixel_desktop import settings as settings_mod
from pixel_desktop.errors import InputError
from pixel_desktop.jobs.team.config import SQLITE_REFUSED, team_broker_url
from pixel_desktop.settings import Settings, split_broker_password

PG = "postgresql+psycopg://team@db.example:5432/pixel"


def test_without_a_broker_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIXEL_BROKER_URL", raising=False)
    assert team_broker_url(Settings(), PG) is None
    assert team_broker_url(Settings(), "sqlite:////tmp/x.db") is None


def test_a_broker_and_a_postgresql_store_turn_on_team_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXEL_BROKER_URL", "redis://127.0.0.1:6379/0")
    assert team_broker_url(Settings(broker_url="redis://other:1/0"), PG) == "redis://127.0.0.1:6379/0"


def test_a_broker_with_a_sqlite_store_is_refused_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PIXEL_BROKER_URL", raising=False)
    with pytest.raises(InputError) as caught:
        team_broker_url(Settings(broker_url="redis://box:6379/0"), "sqlite:////tmp/x.db")
    assert str(caught.value) == SQLITE_REFUSED
    assert caught.value.exit_code == 2
    assert SQLITE_REFUSED.count(". ") == 0 and SQLITE_REFUSED.endswith(".")


def test_the_broker_password_is_split_off_for_the_keyring() -> None:
    assert split_broker_password("redis://:s3cret@box:6379/0") == ("redis://box:6379/0", "s3cret")
    assert split_broker_password("redis://ops:pw@box/1") == ("redis://ops@box/1", "pw")
    assert split_broker_password("redis://box:6379/0") == ("redis://box:6379/0", None)
    with pytest.raises(InputError):
        split_broker_password("not a url")


class _Keyring:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, key: str, password: str) -> None:
        self.saved[(service, key)] = password

    def get_password(self, service: str, key: str) -> str | None:
        return self.saved.get((service, key))


def test_a_saved_broker_password_lives_in_the_keyring_not_the_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = _Keyring()
    monkeypatch.setattr(settings_mod, "_keyring_backend", lambda: keyring)
    monkeypatch.delenv("PIXEL_BROKER_URL", raising=False)
    path = tmp_path / "settings.json"
    settings_mod.save(Settings(broker_url="redis://:s3cret@box:6379/0"), path)
    assert "s3cret" not in path.read_text(encoding="utf-8")
    loaded = settings_mod.load(path)
    assert loaded.broker_url == "redis://box:6379/0"
    assert loaded.effective_broker_url() == "redis://:s3cret@box:6379/0"
    assert keyring.saved == {(settings_mod.BROKER_SECRET_SERVICE, "redis://box:6379/0"): "s3cret"}
