"""SecretStore: namespaced keyring entries and a clear error when no keyring is usable."""

import pytest
from keyring.backends import fail
from keyring_fakes import MemoryKeyring

from pixel_desktop.errors import SecretStoreError
from pixel_desktop.secrets import SecretStore, project_service, registry_service
from pixel_desktop.store.records import ProjectRecord


def _project(slug: str, secrets_key: str) -> ProjectRecord:
    return ProjectRecord(1, slug, "Bot", "Acme", "faq-assistant", "{}", secrets_key=secrets_key)


def test_registry_and_project_secrets_live_under_namespaced_services():
    ring = MemoryKeyring()
    store = SecretStore(ring)
    store.set_registry_password("local", "alice", "pw1")
    project = _project("acme-bot", "acme-bot.5e1f")
    store.set_project_secret(project, "LLM_API_KEY", "k1")
    assert ring.data[(registry_service("local"), "alice")] == "pw1"
    assert ring.data[(project_service("acme-bot.5e1f"), "LLM_API_KEY")] == "k1"
    assert store.get_registry_password("local", "alice") == "pw1"
    assert store.get_project_secret(project, "LLM_API_KEY") == "k1"
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
        SecretStore(MemoryKeyring()).set_project_secret(_project("p", "p.1"), "X", "")


def test_project_secrets_are_keyed_by_the_secrets_key_and_a_slug_is_refused():
    ring = MemoryKeyring()
    store = SecretStore(ring)
    store.set_project_secret(_project("acme-bot", "acme-bot.aaaa"), "TOKEN", "old-client")
    # Same slug, another project (e.g. after a delete): another key, so not the old value.
    assert store.get_project_secret(_project("acme-bot", "acme-bot.bbbb"), "TOKEN") is None
    with pytest.raises(TypeError, match="not by a slug"):
        store.get_project_secret("acme-bot", "TOKEN")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no secrets key"):
        store.set_project_secret(_project("acme-bot", ""), "TOKEN", "v")


def test_delete_project_secrets_reports_what_it_deleted_and_what_it_could_not():
    ring = MemoryKeyring()
    store = SecretStore(ring)
    project = _project("acme-bot", "acme-bot.aaaa")
    store.set_project_secret(project, "A", "1")
    store.set_project_secret(project, "B", "2")
    deleted, failed = store.delete_project_secrets(project, ["A", "B", "NEVER_SET"])
    assert (deleted, failed) == (["A", "B"], {})
    assert ring.data == {}
    deleted, failed = SecretStore(fail.Keyring()).delete_project_secrets(project, ["A"])
    assert deleted == [] and "A" in failed and "acme-bot.aaaa" in failed["A"]


def test_the_in_memory_keyring_fake_is_never_picked_as_the_process_default():
    """keyring registers every backend class it sees and makes the best viable one the
    default; a viable fake (or a failing subclass of it) would silently become the keyring
    of every later test in the run."""
    from keyring.backend import get_all_keyring

    class Failing(MemoryKeyring):
        def get_password(self, service, username):
            raise RuntimeError("locked")

    assert not MemoryKeyring.viable and not Failing.viable
    assert not any(isinstance(ring, MemoryKeyring) for ring in get_all_keyring())
