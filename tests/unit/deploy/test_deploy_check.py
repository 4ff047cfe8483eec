"""`targets check` verdicts from what a (fake) daemon reports, plus a port taken outside Docker."""

from __future__ import annotations

import socket

from pixel_desktop.deploy.check import check_target
from pixel_desktop.docker.models import DaemonInfo
from pixel_desktop.errors import DockerUnavailableError
from pixel_desktop.store.records import TargetRecord


class FakeDaemon:
    def __init__(
        self,
        swarm: str = "inactive",
        users: list[str] | None = None,
        free: int | None = 50 * 1024**3,
    ):
        self.swarm, self.users, self.free = swarm, users or [], free

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return None

    def ping(self):
        return DaemonInfo("27.1", "1.46", "linux", "arm64", "ssh://x")

    def info(self):
        return {"Swarm": {"LocalNodeState": self.swarm}, "DockerRootDir": "/var/lib/docker"}

    def port_users(self, port):
        return list(self.users)

    def disk_usage(self):
        return {
            "LayersSize": 123,
            "Images": [{"Size": 7, "Containers": 0}, {"Size": 9, "Containers": 1}],
        }

    def free_disk_bytes(self, root):
        return self.free


def _target(kind: str = "docker", host: str = "ssh://ops@box") -> TargetRecord:
    return TargetRecord(1, "box", host, kind)


def test_ready_verdict_names_version_port_and_disk() -> None:
    r = check_target(_target(), port=8000, connect=lambda h, n: FakeDaemon())
    assert r.ok and r.reachable and r.port_free
    assert r.verdict == "READY: Docker 27.1 (linux/arm64), port 8000 free, disk free 50.0 GB"
    assert (r.images_bytes, r.reclaimable_bytes) == (123, 7)


def test_every_problem_is_listed_in_the_verdict() -> None:
    daemon = FakeDaemon(swarm="inactive", users=["container web"], free=1024**3)
    r = check_target(_target("swarm"), port=8000, connect=lambda h, n: daemon)
    assert not r.ok
    assert r.verdict.startswith("NOT READY: Swarm is inactive")
    assert "port 8000 is used by container web" in r.verdict
    assert "only 1.0 GB free" in r.verdict


def test_our_own_project_container_does_not_count_as_taking_the_port() -> None:
    daemon = FakeDaemon(users=["container pixel-acme-d3"])
    assert check_target(_target(), port=8000, connect=lambda h, n: daemon, project_slug="acme").ok


def test_unreachable_daemon_gives_a_not_ready_verdict_with_the_reason() -> None:
    def connect(h, n):
        raise DockerUnavailableError("Cannot reach the Docker daemon at ssh://ops@box: timed out.")

    r = check_target(_target(), port=8000, connect=connect)
    assert (
        not r.reachable
        and r.verdict == "NOT READY: Cannot reach the Docker daemon at ssh://ops@box: timed out."
    )


def test_a_local_port_held_by_a_non_docker_process_is_reported() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        r = check_target(
            _target(host="unix:///var/run/docker.sock"),
            port=port,
            connect=lambda h, n: FakeDaemon(),
        )
    assert not r.ok and "outside Docker" in r.verdict


def test_a_local_port_answered_by_our_own_project_container_is_not_outside_docker() -> None:
    # The deployed container's published port answers on 127.0.0.1 too: that is the one a
    # deploy replaces, so a local target with a live deployment is still ready.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        r = check_target(
            _target(host="unix:///var/run/docker.sock"),
            port=port,
            connect=lambda h, n: FakeDaemon(users=["container pixel-acme-d3"]),
            project_slug="acme",
        )
    assert r.ok, r.verdict
    assert "held by this project" in r.verdict
