"""The slice of the OS keyring the use cases need, as a Protocol so test fakes are checked.

Why a seam: the rules "no half-configured registry" and "a secret never reaches the store"
are proved in unit tests with a keyring that fails on purpose; the real one is
``pixel_desktop.secrets.SecretStore``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # keyring is imported when a secret is first needed, not with the app
    from pixel_desktop.secrets import SecretsOwner


class Secrets(Protocol):
    @property
    def backend(self) -> Any: ...  # raises SecretStoreError when no usable keyring exists

    def set_registry_password(self, registry: str, username: str, password: str) -> None: ...

    def get_registry_password(self, registry: str, username: str) -> str | None: ...

    def delete_registry_password(self, registry: str, username: str) -> bool: ...

    def set_project_secret(self, project: SecretsOwner, name: str, value: str) -> None: ...

    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None: ...

    def delete_project_secret(self, project: SecretsOwner, name: str) -> bool: ...

    def delete_project_secrets(
        self, project: SecretsOwner, names: Iterable[str]
    ) -> tuple[list[str], dict[str, str]]: ...


SecretsFactory = Callable[[], Secrets]


def os_keyring() -> Secrets:
    from pixel_desktop.secrets import SecretStore

    return SecretStore()
