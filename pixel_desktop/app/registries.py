"""Registries: the name and address rules, and the password that lives only in the keyring.

Why here: the CLI and the Settings dialog used to add registries by different rules (the
dialog skipped the name check and address normalisation, and a keyring failure left a
registry without its password). Now both call :class:`Registries`; a password goes to the OS
keyring, never the store, and a keyring failure undoes the database write.
"""

from __future__ import annotations

import builtins
import contextlib
import re
from dataclasses import dataclass

from pixel_desktop.app.context import AppContext
from pixel_desktop.app.secrets_port import Secrets, SecretsFactory, os_keyring
from pixel_desktop.errors import InputError, PixelError, SecretStoreError
from pixel_desktop.store.records import RegistryRecord

_ADDRESS_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

PASSWORD_NEEDS_USER = "A registry password needs a user name; give the registry user too."


def check_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise InputError(
            f"Registry name {name!r} must be 1-63 lowercase letters, digits, '-' or '_'."
        )
    return name


def normalize_address(url: str) -> str:
    """HOST[:PORT] as Docker wants it in image names; refuse schemes, paths and junk."""
    address = (url or "").strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not _ADDRESS_RE.match(address):
        raise InputError(
            f"Registry address {url!r} is not HOST[:PORT] (for example registry.example.com or "
            "127.0.0.1:5000)."
        )
    if ":" in address and not 0 < int(address.rsplit(":", 1)[1]) < 65536:
        raise InputError(f"Registry port in {url!r} must be between 1 and 65535.")
    return address


@dataclass(frozen=True, slots=True)
class RegistryInput:
    """A registry's fields after the rules: checked name, normalised address."""

    name: str
    address: str
    username: str | None
    insecure: bool


@dataclass(frozen=True, slots=True)
class RegistryListing:
    name: str
    url: str
    username: str | None
    insecure: bool
    password_stored: bool | None  # None: no user, or the keyring could not be asked


@dataclass(frozen=True, slots=True)
class RegistryCheck:
    ok: bool
    verdict: str  # one sentence for the user
    kind: str  # ok | unauthorized | forbidden | unreachable | insecure | no_password | error


class Registries:
    def __init__(self, ctx: AppContext, secrets: SecretsFactory = os_keyring) -> None:
        self._ctx = ctx
        self._secrets = secrets

    def validate(
        self, name: str, url: str, username: str | None, *, with_password: bool, insecure: bool = False
    ) -> RegistryInput:
        """Every input rule, before anything is read from stdin or written anywhere."""
        name = check_name(name)
        address = normalize_address(url)
        user = (username or "").strip() or None
        if with_password and not user:
            raise InputError(PASSWORD_NEEDS_USER)
        return RegistryInput(name, address, user, bool(insecure))

    def list(self) -> builtins.list[RegistryRecord]:
        return self._ctx.store.registries.list()

    def get(self, name: str) -> RegistryRecord:
        return self._ctx.store.registries.get(name)

    def add(
        self,
        name: str,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        insecure: bool = False,
    ) -> RegistryRecord:
        """Add a registry; with a password, the row is removed again if the keyring fails."""
        data = self.validate(name, url, username, with_password=bool(password), insecure=insecure)
        secrets = self._usable_secrets() if password else None
        store = self._ctx.store
        record = store.registries.add(
            data.name, data.address, username=data.username, insecure=data.insecure
        )
        if secrets is not None and password and data.username:
            try:
                secrets.set_registry_password(record.name, data.username, password)
            except BaseException:
                store.registries.remove(record.name)  # no half-configured registry
                raise
        return record

    def update(
        self,
        name: str,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        insecure: bool = False,
    ) -> RegistryRecord:
        """Change a registry; with a password, the old fields come back if the keyring fails."""
        data = self.validate(name, url, username, with_password=bool(password), insecure=insecure)
        secrets = self._usable_secrets() if password else None
        store = self._ctx.store
        before = store.registries.get(data.name)
        record = store.registries.update(
            data.name, url=data.address, username=data.username, insecure=data.insecure
        )
        if secrets is not None and password and data.username:
            try:
                secrets.set_registry_password(record.name, data.username, password)
            except BaseException:
                store.registries.update(
                    before.name, url=before.url, username=before.username, insecure=before.insecure
                )
                raise
            if before.username and before.username != data.username:
                # The old user's password is keyed by that user: nothing reads it any more.
                with contextlib.suppress(SecretStoreError):
                    secrets.delete_registry_password(record.name, before.username)
        return record

    def save(
        self,
        name: str,
        url: str,
        username: str | None,
        password: str | None,
        insecure: bool,
        *,
        existing: bool,
    ) -> RegistryRecord:
        """Add or update, as the Settings dialog's one Save button does."""
        action = self.update if existing else self.add
        return action(name, url, username=username, password=password, insecure=insecure)

    def listing(self) -> builtins.list[RegistryListing]:
        """Every registry with whether its password is in the keyring (None when unknown)."""
        secrets = self._secrets()

        def has_password(name: str, user: str | None) -> bool | None:
            if not user:
                return None
            try:
                return secrets.get_registry_password(name, user) is not None
            except PixelError:
                return None  # keyring unavailable: unknown

        return [
            RegistryListing(r.name, r.url, r.username, r.insecure, has_password(r.name, r.username))
            for r in self.list()
        ]

    def check(self, name: str) -> RegistryCheck:
        """Log in and ask for push permission; a missing password is a failed check."""
        from pixel_desktop.build.registry_api import RegistryAPI

        record = self.get(name)
        password = None
        if record.username:
            password = self._secrets().get_registry_password(record.name, record.username)
            if password is None:
                return RegistryCheck(
                    False,
                    f"no password for {record.username} at {record.name} in the OS keyring; "
                    "remove and add the registry again with its password.",
                    "no_password",
                )
        result = RegistryAPI(record.url, record.username, password, insecure=record.insecure).check()
        return RegistryCheck(result.ok, result.verdict, result.kind)

    def remove(self, name: str) -> str | None:
        """Remove the password, then the row; returns a warning when the keyring kept the
        password (the registry is removed anyway: a locked keyring must not block it)."""
        record = self.get(name)
        warning = None
        if record.username:
            try:
                self._secrets().delete_registry_password(record.name, record.username)
            except SecretStoreError as exc:
                warning = str(exc)
        self._ctx.store.registries.remove(record.name)
        return warning

    def _usable_secrets(self) -> Secrets:
        secrets = self._secrets()
        secrets.backend  # noqa: B018 - fail before touching the DB when no keyring works
        return secrets
