"""Lazily opened resources shared by CLI commands (store, settings).

The store URL is checked here before anything is opened, because on the command line a
typo must not have side effects: a URL that does not parse is bad input (exit 2), and a
SQLite path is only created when it is the default store or the user asked for a new one
(``pixel db init``). Before, a mistyped path silently created an empty store and the
command answered "No projects yet".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop import paths
from pixel_desktop import settings as settings_mod
from pixel_desktop.errors import InputError, StoreError

if TYPE_CHECKING:
    from pixel_desktop.store import Store


def check_store_url(url_text: str, *, create: bool = False) -> None:
    """Refuse a store URL the CLI must not open: unparsable or unsupported (InputError with
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


class CliContext:
    def __init__(self, store_url: str | None = None) -> None:
        self._store_url = store_url
        self._store: Store | None = None
        self._settings: settings_mod.Settings | None = None
        self.create_store = False  # set by `pixel db init`

    @property
    def settings(self) -> settings_mod.Settings:
        if self._settings is None:
            self._settings = settings_mod.load()
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from pixel_desktop.store import Store

            url = self._store_url or self.settings.effective_store_url()
            check_store_url(url, create=self.create_store)
            self._store = Store.open(url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
