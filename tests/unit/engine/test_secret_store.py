"""SecretStore: namespaced keyring entries and a clear error when no keyring is usable."""

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from pixel_desktop.engine.secrets import SecretStore, project_service, registry_service
from pixel_desktop.errors import SecretStoreError


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.data = {}

    def set_password(self, service, username, password):
        self.data[(service, username)] = password

    def get_password(self, service, username):
        return self.data.get((service, username))

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.data:
            raise PasswordDeleteError("missing")
        del self.data[(service, username)]


def test_registry_and_project_secrets_live_under_namespaced_services():
    ring = MemoryKeyring()
    store = SecretStore(ring)
    store.set_registry_password("local", "alice", "pw1")
    store.set_project_secret("acme-bot", "LLM_API_KEY", "k1")
    assert ring.data[(registry_service("local"), "alice")] == "pw1"
    assert ring.data[(project_service("acme-bot"), "LLM_API_KEY")] == "k1"
    assert store.get_registry_password("local", "alice") == "pw1"
    assert store.get_project_secret("acme-bot", "LLM_API_KEY") == "k1"
    assert store.delete_registry_password("local", "alice") is True
    assert store.delete_registry_password("local", "alice") is False
    assert store.get_registry_password("local", "alice") is None


def test_no_usable_backend_says_how_to_fix_it():
    store = SecretStore(fail.Keyring())
    with pytest.raises(SecretStoreError) as err:
        store.get_registry_password("local", "alice")
    assert "gnome-keyring" in str(err.value)


def test_empty_secret_is_refused():
    with pytest.raises(SecretStoreError):
        SecretStore(MemoryKeyring()).set_project_secret("p", "X", "")
