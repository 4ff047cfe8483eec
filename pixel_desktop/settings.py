"""Typed user settings, persisted as JSON under ``PIXEL_HOME``.

Environment variables win over the file so that CI, tests and one-off CLI runs can point
the app elsewhere without editing anyone's preferences.

A store URL may carry a PostgreSQL password. It never reaches the file: ``save`` strips
it and keeps it in the OS keyring (service ``pixel-ai-creator/store``, keyed by the URL
without the password); ``effective_store_url`` puts it back. The file itself is written
0600 through a private temp file in the same folder, then renamed over the old one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pixel_desktop import paths
from pixel_desktop.errors import InputError, SecretStoreError

DEFAULT_BASE_IMAGE = "python:3.12-slim"
STORE_SECRET_SERVICE = "pixel-ai-creator/store"
BROKER_SECRET_SERVICE = "pixel-ai-creator/broker"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    store_url: str | None = None
    # Team mode (jobs/team/): a Redis URL; with a shared PostgreSQL store, builds go to the
    # team's workers. Its password lives in the keyring like the store's.
    broker_url: str | None = None
    docker_host: str | None = None
    base_image: str | None = None
    build_concurrency: int = Field(default=2, ge=1, le=16)
    build_timeout_s: int = Field(default=1800, ge=30)
    idle_stream_timeout_s: int = Field(default=300, ge=5)
    health_timeout_s: int = Field(default=60, ge=5)
    # `pixel builds prune`: completed builds kept per project (images and workspaces).
    keep_builds_per_project: int = Field(default=5, ge=1, le=1000)
    offer_sample_on_first_run: bool = True

    # --- effective values (env > file > default) -------------------------------------
    def effective_store_url(self) -> str:
        """PIXEL_STORE_URL, else the saved URL with its password back from the keyring."""
        env = os.environ.get("PIXEL_STORE_URL")
        if env:
            return env
        if not self.store_url:
            return paths.default_store_url()
        return with_keyring_password(self.store_url)

    def effective_broker_url(self) -> str | None:
        """PIXEL_BROKER_URL, else the saved broker URL with its password from the keyring;
        None (local mode) when neither is set."""
        env = os.environ.get("PIXEL_BROKER_URL")
        if env:
            return env
        if not self.broker_url:
            return None
        return broker_url_with_keyring_password(self.broker_url)

    def effective_docker_host(self) -> str | None:
        return os.environ.get("DOCKER_HOST") or self.docker_host or None

    def effective_base_image(self) -> str:
        return os.environ.get("PIXEL_BASE_IMAGE") or self.base_image or DEFAULT_BASE_IMAGE


# --- the store password lives in the OS keyring --------------------------------------
def split_store_password(url_text: str) -> tuple[str, str | None]:
    """(URL without any password, the password or None); the URL's other parts are kept.

    A password may sit in the authority (``user:pw@host``) or, for libpq, in the query
    (``?password=pw``); both are taken out. Text that is not a URL is refused rather than
    written as-is, since it might still hold a password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(url_text.strip())
    except (ArgumentError, ValueError):
        raise InputError(
            "The store URL is not a database URL, so it was not saved.",
            hint="Use sqlite:////path/to/pixel.db or postgresql+psycopg://user@host:5432/db.",
        ) from None
    password = url.password
    query_pw = url.query.get("password")
    if query_pw is not None:
        url = url.difference_update_query(["password"])
        password = password or (query_pw if isinstance(query_pw, str) else query_pw[0])
    if password is None:
        return url_text, None
    # URL.set(password=None) means "unchanged"; the NamedTuple _replace really clears it.
    return url._replace(password=None).render_as_string(hide_password=False), str(password)


def store_url_for_display(url_text: str) -> str:
    """``url_text`` with any password replaced by ``***``, for anything a person sees.

    The Settings dialog showed the effective store URL (PIXEL_STORE_URL included) as
    placeholder text, password and all; labels, messages and logs use this instead.
    """
    try:
        stripped, password = split_store_password(url_text)
    except InputError:
        return "(not a database URL)"
    if password is None:
        return url_text
    from sqlalchemy.engine import make_url

    return make_url(stripped).set(password="hidden").render_as_string(hide_password=True)


def store_url_has_password(url_text: str) -> bool:
    """True when ``url_text`` carries a password (in the authority or as ``?password=``)."""
    try:
        return split_store_password(url_text)[1] is not None
    except InputError:
        return False


def command_line_password_warning(url_text: str | None, prog: str) -> str | None:
    """The one-line warning both ``pixel`` and ``pixel-desktop`` print for ``--store`` with a
    password (it keeps working, so existing scripts do): the command line is readable by
    every user of the machine (``ps``, ``/proc/<pid>/cmdline``) and lands in shell history."""
    if not url_text or not store_url_has_password(url_text):
        return None
    return (
        f"{prog}: warning: --store puts the store password in the process list (ps) and "
        "your shell history; set PIXEL_STORE_URL or save the URL in Settings instead."
    )


def _keyring_backend() -> Any:
    from pixel_desktop.secrets import SecretStore

    return SecretStore().backend  # SecretStoreError with a how-to-fix when there is none


def _no_keyring(action: str, exc: BaseException, what: str = "store") -> SecretStoreError:
    variable = "PIXEL_BROKER_URL" if what == "broker" else "PIXEL_STORE_URL"
    return SecretStoreError(
        f"The OS keyring is not available to {action} the {what} password ({exc}); the "
        "password was not written to settings.json.",
        hint="Unlock or install an OS keyring (gnome-keyring/KWallet, Keychain), or put the "
        f"full URL in the {variable} environment variable instead of the settings.",
    )


def with_keyring_password(url_text: str) -> str:
    """``url_text`` with the password saved for it put back; unchanged when there is none
    (a passwordless URL may be right, e.g. peer or trust authentication)."""
    if "@" not in url_text or url_text.startswith("sqlite"):
        return url_text
    try:
        stripped, password = split_store_password(url_text)
    except InputError:
        return url_text
    if password is not None:  # given in full (e.g. a settings object not saved yet)
        return url_text
    try:
        saved = _keyring_backend().get_password(STORE_SECRET_SERVICE, stripped)
    except Exception:  # no keyring: connecting will say the password was refused
        return url_text
    if not saved:
        return url_text
    from sqlalchemy.engine import make_url

    return make_url(stripped).set(password=saved).render_as_string(hide_password=False)


def _store_password(key: str, password: str) -> None:
    try:
        _keyring_backend().set_password(STORE_SECRET_SERVICE, key, password)
    except Exception as exc:  # SecretStoreError (none usable) or the backend's own error
        raise _no_keyring("keep", exc) from exc


# --- the broker password too ------------------------------------------------------------
def split_broker_password(url_text: str) -> tuple[str, str | None]:
    """(broker URL without its password, the password or None), e.g.
    ``redis://:pw@host:6379/0`` -> (``redis://host:6379/0``, ``pw``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url_text.strip())
    if not parts.scheme or not parts.hostname:
        raise InputError(
            "The broker URL is not a URL, so it was not saved.",
            hint="Use redis://[:password@]host:6379/0.",
        )
    if parts.password is None:
        return url_text.strip(), None
    user = f"{parts.username}@" if parts.username else ""
    netloc = f"{user}{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), parts.password


def broker_url_with_keyring_password(url_text: str) -> str:
    """``url_text`` with the password saved for it put back (unchanged without one)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        stripped, password = split_broker_password(url_text)
    except InputError:
        return url_text
    if password is not None:
        return url_text
    try:
        saved = _keyring_backend().get_password(BROKER_SECRET_SERVICE, stripped)
    except Exception:  # no keyring: the broker will refuse the login, which says so
        return url_text
    if not saved:
        return url_text
    parts = urlsplit(stripped)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{saved}@{parts.netloc}"))


def broker_url_for_display(url_text: str) -> str:
    try:
        stripped, password = split_broker_password(url_text)
    except InputError:
        return "(not a URL)"
    if password is None:
        return stripped
    return stripped.replace("://", "://:***@", 1)


def load(path: Path | None = None) -> Settings:
    path = path or paths.settings_file()
    if not path.exists():
        return Settings()
    try:
        settings = Settings.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise InputError(
            f"Settings file {path} is invalid ({exc.__class__.__name__}).",
            hint="Fix or delete it to go back to defaults.",
        ) from exc
    _move_legacy_password(settings, path)
    return settings


def _move_legacy_password(settings: Settings, path: Path) -> None:
    """A file saved by an older Pixel may hold the store password in plain text: move it
    into the keyring and rewrite the file. Without a keyring the file stays as it was (the
    app keeps working) but is made private to its owner."""
    if not settings.store_url or "@" not in settings.store_url:
        return
    try:
        key, password = split_store_password(settings.store_url)
    except InputError:
        return
    if password is None:
        return
    try:
        _store_password(key, password)
    except SecretStoreError:
        with contextlib.suppress(OSError):
            path.chmod(0o600)
        return
    with contextlib.suppress(OSError):  # a read-only file still loads; the next save strips it
        save(settings, path)


def _write_private(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text``, readable by the owner only (0600).

    The temp file has an unpredictable name (mkstemp, O_EXCL, 0600) in the same folder,
    so nobody can pre-create or symlink it, and the rename never crosses file systems.
    The mode is set with ``os.chmod`` on the path: ``os.fchmod`` does not exist on Windows
    before Python 3.13, where calling it made every Settings save crash.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o600)  # mkstemp already makes it 0600 on POSIX; this states it
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save(settings: Settings, path: Path | None = None) -> None:
    """Write the settings (0600, atomically); a store password goes to the OS keyring.

    Raises SecretStoreError when there is a password and no usable keyring: the other
    settings are saved, the password is not, and the message says to use PIXEL_STORE_URL.
    """
    path = path or paths.settings_file()
    data = settings.model_dump(mode="json", exclude_none=True)
    password = None
    if settings.store_url:
        data["store_url"], password = split_store_password(settings.store_url)
    keyring_error: SecretStoreError | None = None
    if password is not None:
        try:
            _store_password(data["store_url"], password)
        except SecretStoreError as exc:
            keyring_error = exc
    if settings.broker_url:
        data["broker_url"], broker_password = split_broker_password(settings.broker_url)
        if broker_password is not None:
            try:
                _keyring_backend().set_password(
                    BROKER_SECRET_SERVICE, data["broker_url"], broker_password
                )
            except Exception as exc:
                keyring_error = keyring_error or _no_keyring("keep", exc, "broker")
    _write_private(path, json.dumps(data, indent=2))
    if keyring_error is not None:
        raise keyring_error
