"""When team mode is on: a broker URL plus a shared PostgreSQL store.

Why refuse SQLite: a SQLite file lives on one machine, so workers elsewhere could not write
the build's status and log to it; silently building locally instead would hide the mistake.
"""

from __future__ import annotations

from pixel_desktop.errors import InputError
from pixel_desktop.settings import Settings

SQLITE_REFUSED = (
    "A build broker is configured but the store is SQLite; team mode needs a shared "
    "PostgreSQL store (set PIXEL_STORE_URL to postgresql+psycopg://...) or remove the broker "
    "URL (PIXEL_BROKER_URL / Settings) to build locally."
)


def team_broker_url(settings: Settings, store_url: str) -> str | None:
    """The broker URL when team mode is on, None in local mode; InputError for broker + SQLite."""
    broker = settings.effective_broker_url()
    if not broker:
        return None
    if store_url.strip().lower().startswith("sqlite"):
        raise InputError(SQLITE_REFUSED)
    return broker
