"""An in-memory keyring backend for unit tests (the real Secret Service runs in integration tests).

It behaves like a real backend where the code under test can tell: deleting a missing
entry raises PasswordDeleteError. ``calls`` counts every access, so a test can prove a
code path never touched the keyring.

It is never *discovered*: keyring registers every KeyringBackend subclass it sees imported
and picks the viable one with the highest priority as the process default, so a fake with a
priority (or a subclass that fails on purpose) would become the keyring of every later test
in the run that relies on the default. A priority that raises makes it not viable; tests
hand it over explicitly (``keyring.set_keyring`` or the code's own parameter).
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("a test fake: given explicitly, never picked by keyring's discovery")

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        if (service, username) not in self.data:
            raise PasswordDeleteError("missing")
        del self.data[(service, username)]
