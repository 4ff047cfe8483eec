"""The API token of `pixel serve`, kept in the OS keyring like every other secret.

Why the keyring: a token in a settings file is readable by anything that reads the user's
files and ends up in backups; the keyring is where the store and registry passwords already
live. The server reaches the keyring through the app layer's ``Secrets`` (its backend), so
it imports nothing below the app layer.
"""

from __future__ import annotations

import hmac
import secrets as token_source
from collections.abc import Callable
from typing import Protocol

from pixel_desktop.errors import SecretStoreError

SERVICE = "pixel-ai-creator/serve"
ACCOUNT = "api-token"
TOKEN_BYTES = 32  # 256 bits, url-safe base64: ~43 characters


class _Backend(Protocol):
    """The part of a ``keyring`` backend the token needs."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...


class _HasBackend(Protocol):
    @property
    def backend(self) -> _Backend: ...


def new_token_value() -> str:
    return token_source.token_urlsafe(TOKEN_BYTES)


def tokens_match(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing does not leak how much of a guess was right."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class TokenStore:
    """Read, create and replace the token; keyring failures become ``SecretStoreError``."""

    def __init__(self, secrets: Callable[[], _HasBackend]) -> None:
        self._secrets = secrets

    def _backend(self) -> _Backend:
        return self._secrets().backend  # SecretStoreError when no usable keyring exists

    def read(self) -> str | None:
        backend = self._backend()
        try:
            return backend.get_password(SERVICE, ACCOUNT) or None
        except Exception as exc:  # keyring.errors.KeyringError and D-Bus failures
            raise SecretStoreError(
                f"The OS keyring could not be read ({SERVICE} / {ACCOUNT}): {exc}."
            ) from exc

    def replace(self) -> str:
        """Store a fresh token (the old one stops working) and return it."""
        token = new_token_value()
        backend = self._backend()
        try:
            backend.set_password(SERVICE, ACCOUNT, token)
        except Exception as exc:
            raise SecretStoreError(
                f"The OS keyring refused to store {SERVICE} / {ACCOUNT}: {exc}."
            ) from exc
        return token

    def read_or_create(self) -> tuple[str, bool]:
        """(token, created): the stored token, or a new one stored now."""
        token = self.read()
        if token:
            return token, False
        return self.replace(), True
