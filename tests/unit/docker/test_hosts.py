"""Gateway pieces that need no daemon: host resolution, stream closing, watchdog, stats math."""

import hashlib
import json
import socket
import time

import pytest

from pixel_desktop.docker import gateway as gw
from pixel_desktop.errors import DockerUnavailableError


def test_explicit_host_wins_over_env_and_context(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "tcp://env:2375")
    assert gw.resolve_host("unix:///x.sock") == "unix:///x.sock"
    assert gw.resolve_host(None) == "tcp://env:2375"


def test_current_cli_context_is_used_when_no_docker_host(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "colima"}))
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"colima").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": "colima",
                "Endpoints": {"docker": {"Host": "unix:///home/u/.colima/docker.sock"}},
            }
        )
    )
    assert gw.resolve_host() == "unix:///home/u/.colima/docker.sock"


def test_default_socket_when_nothing_is_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert gw.resolve_host() == gw.default_socket_url()


def test_ping_of_a_dead_socket_names_the_host(tmp_path):
    host = f"unix://{tmp_path}/docker.sock"
    with pytest.raises(DockerUnavailableError) as err:
        gw.DockerGateway(host).ping()
    assert host in str(err.value)
    assert "Start Docker (or set DOCKER_HOST)" in str(err.value)


def test_closing_a_handle_shuts_the_socket_and_unblocks_a_reader():
    a, b = socket.socketpair()
    handle = gw.StreamHandle()
    handle.attach(None, a)
    handle.close("cancelled")
    assert a.recv(10) == b""  # a blocked reader would wake with EOF
    assert handle.reason == "cancelled"
    b.close()
    a.close()


def test_handle_closed_before_attach_closes_on_attach():
    a, b = socket.socketpair()
    handle = gw.StreamHandle()
    handle.close("cancelled")
    handle.attach(None, a)
    assert a.recv(10) == b""
    a.close()
    b.close()


def test_watchdog_closes_an_idle_stream_and_keeps_an_active_one():
    idle = gw.StreamHandle()
    dog = gw._Watchdog(idle, idle_s=0.2, poll_s=0.05)
    dog.start()
    dog.join(timeout=5)
    assert idle.reason == "idle"

    busy = gw.StreamHandle()
    dog2 = gw._Watchdog(busy, idle_s=0.3, poll_s=0.05)
    dog2.start()
    deadline = time.monotonic() + 0.8
    while time.monotonic() < deadline:
        busy.touch()
        time.sleep(0.05)
    dog2.done.set()
    dog2.join(timeout=5)
    assert busy.reason is None


def test_cpu_and_memory_from_a_stats_sample():
    sample = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": 2_000},
            "system_cpu_usage": 20_000,
            "online_cpus": 2,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 1_000}, "system_cpu_usage": 10_000},
        "memory_stats": {
            "usage": 50_000_000,
            "limit": 1_000_000_000,
            "stats": {"inactive_file": 10_000_000},
        },
    }
    cpu, mem, limit = gw.cpu_mem_from_stats(sample)
    assert cpu == pytest.approx(20.0)
    assert mem == 40_000_000
    assert limit == 1_000_000_000


class _OrphanApi:
    """Stands in for the APIClient: some containers exist, the daemon may be down."""

    def __init__(self, existing: set[str], down: bool = False) -> None:
        self.existing, self.down, self.removed = existing, down, []

    def remove_container(self, cid: str, force: bool = False) -> None:
        if self.down:
            raise gw.requests.exceptions.ConnectionError("daemon down")
        if cid not in self.existing:
            raise gw.docker.errors.NotFound("gone")
        self.existing.discard(cid)
        self.removed.append(cid)


def _offline_gateway(api: _OrphanApi) -> gw.DockerGateway:
    gateway = object.__new__(gw.DockerGateway)  # no daemon contact in a unit test
    gateway.host = "unix:///var/run/docker.sock"
    gateway.api = api
    return gateway


def test_orphans_of_a_dead_daemon_are_reaped_once_it_answers_again(monkeypatch, tmp_path):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    down = _OrphanApi({"run1"}, down=True)
    gateway = _offline_gateway(down)
    gateway._remember_orphan("run1")
    gateway._remember_orphan("gone1")
    assert gateway.reap_orphans() == []  # daemon still down: kept for later
    up = _OrphanApi({"run1"})
    gateway.api = up
    assert sorted(gateway.reap_orphans()) == ["gone1", "run1"]
    assert up.removed == ["run1"]
    assert gateway.reap_orphans() == []
