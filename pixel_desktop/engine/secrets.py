"""Passwords and secret env values live in the OS keyring, never in the database or files.

Service names are namespaced per app and per thing so a user browsing Seahorse / Keychain
Access sees what each entry is for: ``pixel-ai-creator/registry/<registry name>`` keyed by
the registry username, and ``pixel-ai-creator/project/<slug>`` keyed by the env var name.
"""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from pixel_desktop.errors import SecretStoreError

SERVICE_PREFIX = "pixel-ai-creator"
_FIX = (
    "Install and unlock an OS keyring: on Linux gnome-keyring (or KWallet) with a running "
    "D-Bus session (e.g. `dbus-run-session -- gnome-keyring-daemon --unlock`); on macOS the "
    "Keychain and on Windows the Credential Locker work out of the box."
)


def registry_service(registry: str) -> str:
    return f"{SERVICE_PREFIX}/registry/{registry}"


def project_service(project_slug: str) -> str:
    return f"{SERVICE_PREFIX}/project/{project_slug}"


def _usable(backend: KeyringBackend) -> bool:
    """False for the fail backend and for a chainer that has nothing to chain."""
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name.startswith("keyring.backends.fail"):
        return False
    if name == "keyring.backends.chainer.ChainerBackend":
        return bool(getattr(backend, "backends", []))
    return not name.startswith("keyring.backends.null")


class SecretStore:
    """Thin, error-translating wrapper over ``keyring``."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        if not _usable(backend):
            raise SecretStoreError(
                f"No usable OS keyring was found ({type(backend).__name__}). {_FIX}"
            )
        return backend

    def describe(self) -> str:
        return type(self.backend).__name__

    # ---------------------------------------------------------------- primitives
    def _set(self, service: str, key: str, value: str) -> None:
        if not value:
            raise SecretStoreError(f"Refusing to store an empty secret for {service} / {key}.")
        try:
            self.backend.set_password(service, key, value)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(
                f"The OS keyring refused to store {service} / {key}: {exc}. {_FIX}"
            ) from exc

    def _get(self, service: str, key: str) -> str | None:
        try:
            return self.backend.get_password(service, key)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(
                f"The OS keyring could not be read ({service} / {key}): {exc}. {_FIX}"
            ) from exc

    def _delete(self, service: str, key: str) -> bool:
        try:
            self.backend.delete_password(service, key)
            return True
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(
                f"The OS keyring could not delete {service} / {key}: {exc}. {_FIX}"
            ) from exc

    # ---------------------------------------------------------------- registries
    def set_registry_password(self, registry: str, username: str, password: str) -> None:
        self._set(registry_service(registry), username, password)

    def get_registry_password(self, registry: str, username: str) -> str | None:
        return self._get(registry_service(registry), username)

    def delete_registry_password(self, registry: str, username: str) -> bool:
        return self._delete(registry_service(registry), username)

    # ---------------------------------------------------------------- project secret env
    def set_project_secret(self, project_slug: str, name: str, value: str) -> None:
        self._set(project_service(project_slug), name, value)

    def get_project_secret(self, project_slug: str, name: str) -> str | None:
        return self._get(project_service(project_slug), name)

    def delete_project_secret(self, project_slug: str, name: str) -> bool:
        return self._delete(project_service(project_slug), name)
