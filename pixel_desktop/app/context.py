"""The store and settings a front end works on: opened lazily, the same way for CLI and GUI.

The store URL is checked before anything is opened, because a typo must not have side
effects: a URL that does not parse is bad input (exit 2 on the command line), and a SQLite
path is only created when it is the default store or the caller asked for a new one
(``pixel db init``, or the desktop app, where choosing a new store file is how a user starts
one). Before, a mistyped path silently created an empty store and the command answered
"No projects yet".
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop import paths
from pixel_desktop.errors import InputError, StoreError

if TYPE_CHECKING:
    from pixel_desktop import settings as settings_mod
    from pixel_desktop.store import Store
    from pixel_desktop.store.project_list import ProjectList
    from pixel_desktop.store.sqlite_reader import SqliteProjectList


def check_store_url(url_text: str, *, create: bool = False) -> None:
    """Refuse a store URL that must not be opened: unparsable or unsupported (InputError with
    the parser's message) or a SQLite file that does not exist, unless it is the default
    store or ``create`` is set; its folder must exist in any case."""
    from pixel_desktop.store.connection import is_sqlite_file, parse_url

    try:
        url = parse_url(url_text)
    except StoreError as exc:
        raise InputError(exc.message, hint=exc.hint) from None
    if not is_sqlite_file(url):
        return
    db = Path(url.database or "").expanduser()
    if db.exists():
        return
    if db.resolve() == paths.database_file().resolve():
        return
    if not db.parent.is_dir():
        raise InputError(
            f"The folder of the SQLite store {db} does not exist ({db.parent}).",
            hint="Check the path in --store / PIXEL_STORE_URL for a typo.",
        )
    if not create:
        raise InputError(
            f"There is no SQLite store at {db}.",
            hint="Check the path in --store / PIXEL_STORE_URL for a typo; to start a new "
            "store there, run `pixel db init` with the same URL.",
        )


def open_store(url_text: str, *, create: bool = False) -> Store:
    """Check ``url_text`` (see :func:`check_store_url`), then open and migrate the store."""
    from pixel_desktop.store import Store

    check_store_url(url_text, create=create)
    return Store.open(url_text)


class AppContext:
    """What every use case shares: the settings (replaced when the user saves new ones) and
    one store, opened on first use so that commands which need no store never touch it."""

    def __init__(
        self,
        store_url: str | None = None,
        settings: settings_mod.Settings | None = None,
        *,
        create_store: bool = False,
    ) -> None:
        self._store_url = store_url
        self._settings = settings
        self.create_store = create_store
        self._store: Store | None = None
        self._sqlite_list: SqliteProjectList | None = None
        self._sqlite_list_tried = False
        self._lock = threading.Lock()  # GUI tasks may reach for the store from two threads

    @property
    def settings(self) -> settings_mod.Settings:
        if self._settings is None:
            from pixel_desktop import settings as settings_mod

            self._settings = settings_mod.load()
        return self._settings

    @settings.setter
    def settings(self, value: settings_mod.Settings) -> None:
        self._settings = value

    @property
    def store_url(self) -> str:
        return self._store_url or self._store_url_without_settings() or self.settings.effective_store_url()

    def _store_url_without_settings(self) -> str | None:
        """The store URL when no settings file exists (the defaults' answer: PIXEL_STORE_URL,
        else the default store), so a command that only needs the store does not load
        the settings model (pydantic); None when the settings must be read."""
        if self._settings is not None or paths.settings_file().exists():
            return None
        return os.environ.get("PIXEL_STORE_URL") or paths.default_store_url()

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.store_url, create=self.create_store)
            return self._store

    @property
    def store_is_open(self) -> bool:
        return self._store is not None

    def project_list(self) -> ProjectList | SqliteProjectList:
        """The list query: on the store when it is open; else, for a current SQLite store
        file, on a plain sqlite3 connection (no SQLAlchemy: `pixel projects list` answers
        in a fraction of the time); else on the store, opened (and migrated) now."""
        with self._lock:
            if self._store is None and not self._sqlite_list_tried:
                from pixel_desktop.store.sqlite_reader import SqliteProjectList

                self._sqlite_list_tried = True
                self._sqlite_list = SqliteProjectList.open(self.store_url)
            if self._store is None and self._sqlite_list is not None:
                return self._sqlite_list
        return self.store.project_list

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
            reader, self._sqlite_list = self._sqlite_list, None
        if reader is not None:
            reader.close()
        if store is not None:
            store.close()
