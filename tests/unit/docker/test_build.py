"""Build pieces that need no daemon: reaping RUN containers a dead daemon left behind."""

import docker.errors
import requests.exceptions

from pixel_desktop.docker.client import DockerClient


class _OrphanApi:
    """Stands in for the APIClient: some containers exist, the daemon may be down."""

    def __init__(self, existing: set[str], down: bool = False) -> None:
        self.existing, self.down, self.removed = existing, down, []

    def remove_container(self, cid: str, force: bool = False) -> None:
        if self.down:
            raise requests.exceptions.ConnectionError("daemon down")
        if cid not in self.existing:
            raise docker.errors.NotFound("gone")
        self.existing.discard(cid)
        self.removed.append(cid)


def _offline_client(api: _OrphanApi) -> DockerClient:
    client = object.__new__(DockerClient)  # no daemon contact in a unit test
    client.host = "unix:///var/run/docker.sock"
    client.api = api
    return client


def test_orphans_of_a_dead_daemon_are_reaped_once_it_answers_again(monkeypatch, tmp_path):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    down = _OrphanApi({"run1"}, down=True)
    client = _offline_client(down)
    client._remember_orphan("run1")
    client._remember_orphan("gone1")
    assert client.reap_orphans() == []  # daemon still down: kept for later
    up = _OrphanApi({"run1"})
    client.api = up
    assert sorted(client.reap_orphans()) == ["gone1", "run1"]
    assert up.removed == ["run1"]
    assert client.reap_orphans() == []
