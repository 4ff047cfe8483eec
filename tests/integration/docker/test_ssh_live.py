"""Every client reaches an ssh:// daemon through the one strict SSH policy (the known_hosts
`pixel targets trust` writes, the ssh config), builds and deploys alike."""

from __future__ import annotations

import pytest

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.ssh import HostKeyError

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
