"""The daemon itself, reached through the connection's host policy."""

import pytest

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.errors import DockerUnavailableError


def test_ping_of_a_dead_socket_names_the_host(tmp_path):
    host = f"unix://{tmp_path}/docker.sock"
    with pytest.raises(DockerUnavailableError) as err:
        DockerClient(host).ping()
    assert host in str(err.value)
    assert "Start Docker (or set DOCKER_HOST)" in str(err.value)
