"""Lazily opened resources shared by CLI commands (store, settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop import settings as settings_mod

if TYPE_CHECKING:
    from pixel_desktop.store import Store


class CliContext:
    def __init__(self, store_url: str | None = None) -> None:
        self._store_url = store_url
        self._store: Store | None = None
        self._settings: settings_mod.Settings | None = None

    @property
    def settings(self) -> settings_mod.Settings:
        if self._settings is None:
            self._settings = settings_mod.load()
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from pixel_desktop.store import Store

            self._store = Store.open(self._store_url or self.settings.effective_store_url())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
