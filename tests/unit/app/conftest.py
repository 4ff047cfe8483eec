"""An App on a fresh SQLite store and an in-memory keyring that can be told to fail."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pixel_desktop.app import App, Secrets
from pixel_desktop.errors import SecretStoreError
from pixel_desktop.secrets import SecretsOwner, owner_service, registry_service
from pixel_desktop.settings import Settings

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


class FakeKeyring:
    """Shaped like ``app.Secrets``; ``usable=False`` is a missing keyring, ``refuse_writes``
    one that is there but refuses to store (a locked collection)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.usable = True
        self.refuse_writes = False
        self.refuse_deletes = False
        self.touched = False

    @property
    def backend(self) -> Any:
        self.touched = True
        if not self.usable:
            raise SecretStoreError("No usable OS keyring was found (fail.Keyring).")
        return self

    def _set(self, service: str, key: str, value: str) -> None:
        self.backend  # noqa: B018
        if self.refuse_writes:
            raise SecretStoreError(f"The OS keyring refused to store {service} / {key}.")
        self.values[(service, key)] = value

    def set_registry_password(self, registry: str, username: str, password: str) -> None:
        self._set(registry_service(registry), username, password)

    def get_registry_password(self, registry: str, username: str) -> str | None:
        self.backend  # noqa: B018
        return self.values.get((registry_service(registry), username))

    def delete_registry_password(self, registry: str, username: str) -> bool:
        self.backend  # noqa: B018
        if self.refuse_deletes:
            raise SecretStoreError("The OS keyring could not delete it.")
        return self.values.pop((registry_service(registry), username), None) is not None

    def set_project_secret(self, project: SecretsOwner, name: str, value: str) -> None:
        self._set(owner_service(project), name, value)

    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None:
        return self.values.get((owner_service(project), name))

    def delete_project_secret(self, project: SecretsOwner, name: str) -> bool:
        return self.values.pop((owner_service(project), name), None) is not None

    def delete_project_secrets(
        self, project: SecretsOwner, names: Iterable[str]
    ) -> tuple[list[str], dict[str, str]]:
        return [n for n in names if self.delete_project_secret(project, n)], {}


def _typed(keyring: FakeKeyring) -> Secrets:
    return keyring  # the Protocol check: a FakeKeyring must be usable as app.Secrets


@pytest.fixture
def keyring() -> FakeKeyring:
    return FakeKeyring()


@pytest.fixture
def app(tmp_path: Path, keyring: FakeKeyring) -> Iterator[App]:
    application = App(
        f"sqlite:///{tmp_path / 'pixel.db'}",
        Settings(),
        create_store=True,
        secrets=lambda: _typed(keyring),
    )
    yield application
    application.close()
