"""Registry rules, proved once for every front end: name, address, password and keyring."""

from __future__ import annotations

import pytest

from pixel_desktop.app import App
from pixel_desktop.app.registries import PASSWORD_NEEDS_USER, normalize_address
from pixel_desktop.errors import InputError, NotFoundError, SecretStoreError
from pixel_desktop.secrets import registry_service


@pytest.mark.parametrize("name", ["My Registry", "UPPER", "-dash-first", "", "x" * 64, "a/b"])
def test_a_bad_registry_name_is_refused_and_nothing_is_stored(app: App, name: str) -> None:
    with pytest.raises(InputError) as err:
        app.registries.add(name, "registry.example.com")
    assert "must be 1-63 lowercase letters" in str(err.value)
    assert app.registries.list() == []


@pytest.mark.parametrize(
    "url", ["registry.example.com/path", "ftp://host", "host:port", "-host", "", "a b"]
)
def test_a_registry_address_that_is_not_host_port_is_refused(app: App, url: str) -> None:
    with pytest.raises(InputError) as err:
        app.registries.add("reg", url)
    assert "is not HOST[:PORT]" in str(err.value)
    assert app.registries.list() == []


def test_a_registry_port_out_of_range_is_refused() -> None:
    with pytest.raises(InputError) as err:
        normalize_address("host:70000")
    assert "between 1 and 65535" in str(err.value)


def test_the_address_is_stored_as_docker_wants_it_in_image_names(app: App) -> None:
    record = app.registries.add("reg", "  https://Registry.example.com:5000/ ")
    assert record.url == "Registry.example.com:5000"


def test_a_password_without_a_user_is_refused_before_the_keyring_or_the_store(
    app: App, keyring
) -> None:
    with pytest.raises(InputError) as err:
        app.registries.add("reg", "127.0.0.1:5000", username="  ", password="pw")
    assert str(err.value) == PASSWORD_NEEDS_USER
    assert not keyring.touched
    assert app.registries.list() == []


def test_the_password_goes_to_the_keyring_and_never_to_the_store(app: App, keyring) -> None:
    record = app.registries.add("reg", "127.0.0.1:5000", username="alice", password="s3cret")
    assert keyring.values == {(registry_service("reg"), "alice"): "s3cret"}
    assert "s3cret" not in repr(record) and "s3cret" not in repr(app.registries.list())
    [listed] = app.registries.listing()
    assert listed.password_stored is True


def test_a_keyring_that_refuses_the_password_removes_the_new_registry_again(
    app: App, keyring
) -> None:
    keyring.refuse_writes = True
    with pytest.raises(SecretStoreError):
        app.registries.add("reg", "127.0.0.1:5000", username="alice", password="s3cret")
    assert app.registries.list() == []  # no half-configured registry


def test_no_usable_keyring_refuses_a_password_before_the_store_is_written(app: App, keyring) -> None:
    keyring.usable = False
    with pytest.raises(SecretStoreError):
        app.registries.add("reg", "127.0.0.1:5000", username="alice", password="s3cret")
    assert app.registries.list() == []


def test_a_keyring_failure_on_update_restores_the_previous_registry(app: App, keyring) -> None:
    app.registries.add("reg", "old.example.com", username="alice", password="one")
    keyring.refuse_writes = True
    with pytest.raises(SecretStoreError):
        app.registries.save("reg", "new.example.com", "bob", "two", True, existing=True)
    record = app.registries.get("reg")
    assert (record.url, record.username, record.insecure) == ("old.example.com", "alice", False)


def test_update_applies_the_same_rules_as_add(app: App) -> None:
    app.registries.add("reg", "old.example.com")
    with pytest.raises(InputError):
        app.registries.save("reg", "http://new.example.com/v2", None, None, False, existing=True)
    assert app.registries.get("reg").url == "old.example.com"


def test_removing_a_registry_whose_password_the_keyring_keeps_warns_and_removes_it(
    app: App, keyring
) -> None:
    app.registries.add("reg", "127.0.0.1:5000", username="alice", password="s3cret")
    keyring.refuse_deletes = True
    warning = app.registries.remove("reg")
    assert warning and "could not delete" in warning
    with pytest.raises(NotFoundError):
        app.registries.get("reg")


def test_a_check_without_the_stored_password_fails_without_asking_the_registry(
    app: App, keyring
) -> None:
    app.registries.add("reg", "127.0.0.1:1", username="alice", password="s3cret")
    keyring.values.clear()
    result = app.registries.check("reg")
    assert not result.ok and result.kind == "no_password"
    assert "no password for alice at reg" in result.verdict


def test_a_new_user_with_a_new_password_removes_the_old_users_password(app: App, keyring) -> None:
    app.registries.add("reg", "127.0.0.1:5000", username="alice", password="one")
    app.registries.save("reg", "127.0.0.1:5000", "bob", "two", False, existing=True)
    assert keyring.values == {(registry_service("reg"), "bob"): "two"}
