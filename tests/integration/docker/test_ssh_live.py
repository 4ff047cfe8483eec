"""Every client reaches an ssh:// daemon through the one strict SSH policy (the known_hosts
`pixel targets trust` writes, the ssh config), builds and deploys alike."""

from __future__ import annotations

import pytest

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.ssh import HostKeyError
from pixel_desktop.errors import DockerUnavailableError

pytestmark = [pytest.mark.docker, pytest.mark.ssh]


def _ssh_config(ssh_host, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(ssh_host.identity_config(tmp_path)))


def test_a_client_on_ssh_uses_pixels_known_hosts_and_config(
    ssh_host, tmp_path, monkeypatch
) -> None:
    _ssh_config(ssh_host, tmp_path, monkeypatch)
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(ssh_host.known_hosts))

    with DockerClient(ssh_host.docker_url) as client:
        assert client.ping().version


def test_a_client_refuses_an_unknown_ssh_host_key(ssh_host, tmp_path, monkeypatch) -> None:
    _ssh_config(ssh_host, tmp_path, monkeypatch)
    empty = tmp_path / "known_hosts"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(empty))

    with pytest.raises(HostKeyError) as err:
        DockerClient(ssh_host.docker_url).ping()

    assert err.value.kind == "unknown"


def test_no_key_to_offer_is_said_as_such_not_as_a_host_or_port_problem(
    ssh_host, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh keys, no ssh config naming one
    monkeypatch.delenv("PIXEL_SSH_CONFIG", raising=False)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # and no agent
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(ssh_host.known_hosts))

    with pytest.raises(DockerUnavailableError) as err:
        DockerClient(ssh_host.docker_url).ping()

    message = str(err.value)
    assert "no SSH key was offered" in message and "ssh-agent" in message and "IdentityFile" in message
    assert "Check the host name, port" not in message
