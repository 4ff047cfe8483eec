"""Opening a store: one set of URL rules for the CLI and the GUI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App, check_store_url
from pixel_desktop.errors import InputError
from pixel_desktop.settings import Settings


def test_an_unparsable_store_url_is_bad_input() -> None:
    with pytest.raises(InputError):
        check_store_url("nonsense://x")


def test_a_missing_sqlite_file_is_refused_unless_creating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    with pytest.raises(InputError) as err:
        App(url, Settings()).projects.count()
    assert "There is no SQLite store" in str(err.value)
    assert not (tmp_path / "typo.db").exists()
    app = App(url, Settings(), create_store=True)
    try:
        assert app.projects.count() == 0
    finally:
        app.close()
    assert (tmp_path / "typo.db").exists()


def test_a_sqlite_store_in_a_missing_folder_is_refused_even_when_creating(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        check_store_url(f"sqlite:///{tmp_path / 'nope' / 'x.db'}", create=True)
    assert "does not exist" in str(err.value)


def test_commands_that_need_no_store_never_open_one(tmp_path: Path) -> None:
    app = App(f"sqlite:///{tmp_path / 'typo.db'}", Settings())
    assert app.templates.names()
    app.close()
    assert not app.context.store_is_open
