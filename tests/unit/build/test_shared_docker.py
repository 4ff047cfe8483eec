"""A runner's builds share one Docker connection per host; a new host gets a new one, and a
connection is closed only once no build uses it."""

from __future__ import annotations

from typing import Any

import pytest

from pixel_desktop.build.shared_docker import SharedDocker


class _Client:
    def __init__(self, host: str | None) -> None:
        self.host, self.closed, self.answers = host, False, True

    def close(self) -> None:
        self.closed = True


class _Daemons:
    def __init__(self) -> None:
        self.host: str | None = "unix:///a.sock"
        self.opened: list[_Client] = []

    def connect(self, host: str | None) -> Any:
        client = _Client(host)
        self.opened.append(client)
        return client


@pytest.fixture
def daemons() -> _Daemons:
    return _Daemons()


def shared(daemons: _Daemons) -> SharedDocker:
    return SharedDocker(lambda: daemons.host, connect=daemons.connect, alive=lambda c: c.answers)


def test_builds_one_after_another_reuse_one_connection(daemons: _Daemons) -> None:
    docker = shared(daemons)
    first = docker.acquire()
    docker.release(first)
    second = docker.acquire()
    docker.release(second)

    assert first is second and len(daemons.opened) == 1
    assert not first.closed  # kept open for the next build


def test_a_host_saved_in_settings_gets_its_own_connection_at_the_next_build(
    daemons: _Daemons,
) -> None:
    docker = shared(daemons)
    old = docker.acquire()  # a build still running on the old host
    daemons.host = "ssh://builder@example"
    new = docker.acquire()

    assert new is not old and new.host == "ssh://builder@example"
    assert not old.closed  # its build is not finished
    docker.release(old)
    assert old.closed and not new.closed


def test_an_idle_replaced_connection_closes_at_once(daemons: _Daemons) -> None:
    docker = shared(daemons)
    docker.release(old := docker.acquire())
    daemons.host = None

    docker.release(docker.acquire())
    assert old.closed


def test_shutdown_closes_idle_connections_and_one_in_use_when_its_build_ends(
    daemons: _Daemons,
) -> None:
    docker = shared(daemons)
    in_use = docker.acquire()
    docker.close()

    assert not in_use.closed
    docker.release(in_use)
    assert in_use.closed
    with pytest.raises(RuntimeError):
        docker.acquire()


def test_a_failed_connect_is_not_kept(daemons: _Daemons) -> None:
    calls = []

    def refuse_once(host: str | None) -> Any:
        calls.append(host)
        if len(calls) == 1:
            raise OSError("daemon down")
        return daemons.connect(host)

    docker = SharedDocker(lambda: daemons.host, connect=refuse_once, alive=lambda c: True)
    with pytest.raises(OSError):
        docker.acquire()
    assert docker.acquire() is daemons.opened[0]


def test_an_idle_connection_whose_daemon_stopped_answering_is_replaced_at_the_next_build(
    daemons: _Daemons,
) -> None:
    docker = shared(daemons)
    docker.release(old := docker.acquire())
    old.answers = False  # the daemon restarted, or the ssh session dropped, between builds

    new = docker.acquire()
    assert new is not old and old.closed and len(daemons.opened) == 2


def test_a_connection_in_use_by_a_running_build_is_shared_without_a_check(
    daemons: _Daemons,
) -> None:
    docker = shared(daemons)
    running = docker.acquire()
    running.answers = False  # would fail a check; a build is streaming on it, so none is made

    assert docker.acquire() is running and len(daemons.opened) == 1
