"""Clients' data on the laptop is private to the user: the data folder and its folders are
0700, the SQLite store (with its -wal and -shm files) 0600, whatever the umask, and what an
older version left more open is tightened when the app next uses it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which a plain mkdir/open gives 0755/0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_data_folder_and_every_folder_in_it_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh" / "pixel"
    monkeypatch.setenv("PIXEL_HOME", str(home))
    assert paths.home() == home and _mode(home) == 0o700
    for folder in (
        paths.logs_dir(),
        paths.build_logs_dir(),
        paths.workspaces_dir(),
        paths.wheelhouse_dir(),
        paths.backups_dir(),
    ):
        assert _mode(folder) == 0o700, folder


def test_the_sqlite_store_and_its_wal_files_are_readable_by_the_user_only(
    pixel_home: Path,
) -> None:
    with Store.open(paths.default_store_url()) as store:
        store.projects.create(spec_from_data({"spec_version": 1, "name": "Bot", "client": "Acme"}))
        files = sorted(pixel_home.glob("pixel.db*"))
        assert {f.name for f in files} >= {"pixel.db", "pixel.db-wal", "pixel.db-shm"}
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_a_data_folder_and_store_left_open_by_an_older_version_are_tightened(
    pixel_home: Path,
) -> None:
    Store.open(paths.default_store_url()).close()
    pixel_home.chmod(0o755)
    paths.database_file().chmod(0o644)

    with Store.open(paths.default_store_url()):
        assert _mode(pixel_home) == 0o700
        assert _mode(paths.database_file()) == 0o600


def test_a_store_in_a_folder_of_the_users_keeps_that_folder_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "Documents"
    shared.mkdir(mode=0o755)
    with Store.open(f"sqlite:///{shared / 'team.db'}"):
        assert _mode(shared / "team.db") == 0o600
    assert _mode(shared) == 0o755
