"""Passwords and secret env values live in the OS keyring, never in the database or files.

Service names are namespaced per app and per thing so a user browsing Seahorse / Keychain
Access sees what each entry is for: ``pixel-ai-creator/registry/<registry name>`` keyed by
the registry username, and ``pixel-ai-creator/project/<secrets key>`` keyed by the env var
name.

A project's secrets are keyed by its ``secrets_key``, never by its slug: a slug is freed by a
delete or a rename and can be taken by a new project (even another client's), which would
then be handed the old project's values. The key is given once when the project is created
(``<slug at creation>.<random uuid>``) and never changes or comes back; projects that existed
before keys were introduced keep their old slug as key (migration 0005), so their stored
values are found where they always were. The API takes the project record, not a string, so
a caller cannot pass a slug by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

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


def project_service(secrets_key: str) -> str:
    return f"{SERVICE_PREFIX}/project/{secrets_key}"


class SecretsOwner(Protocol):
    """A project as the keyring sees it (``ProjectRecord`` is one)."""

    @property
    def slug(self) -> str: ...

    @property
    def secrets_key(self) -> str: ...


def owner_service(project: SecretsOwner) -> str:
    """The keyring service of ``project``'s secret env values."""
    if isinstance(project, str):
        raise TypeError(
            "project secrets are keyed by the project record's secrets_key, not by a slug "
            "(a slug can be taken again by another project)"
        )
    key = project.secrets_key
    if not key:
        raise ValueError(f"project {project.slug!r} has no secrets key")
    return project_service(key)


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
    def set_project_secret(self, project: SecretsOwner, name: str, value: str) -> None:
        self._set(owner_service(project), name, value)

    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None:
        return self._get(owner_service(project), name)

    def delete_project_secret(self, project: SecretsOwner, name: str) -> bool:
        return self._delete(owner_service(project), name)

    def delete_project_secrets(
        self, project: SecretsOwner, names: Iterable[str]
    ) -> tuple[list[str], dict[str, str]]:
        """Delete every named secret of ``project``. Returns (names whose value was deleted,
        {name: problem} for the values the keyring could not delete), so one failure does
        not keep the others and the caller can tell the user which remain."""
        deleted: list[str] = []
        failed: dict[str, str] = {}
        for name in names:
            try:
                if self.delete_project_secret(project, name):
                    deleted.append(name)
            except SecretStoreError as exc:
                failed[name] = f"secret {name} ({owner_service(project)}): {exc.message}"
        return deleted, failed
