"""Deployment operations without a daemon: loopback bind for local targets, stop/remove of
containers and services, which container's log is shown, followed-log lines, store-scoped
image names and the prune plan's retention rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.app.context import AppContext
from pixel_desktop.app.prune import Prune
from pixel_desktop.build import image_names
from pixel_desktop.deploy import hosts, lifecycle
from pixel_desktop.docker.containers import _binding
from pixel_desktop.docker.log_stream import LogStream
from pixel_desktop.docker.models import ContainerInfo
from pixel_desktop.errors import InputError
from pixel_desktop.settings import Settings
from pixel_desktop.spec import load_spec_file
from pixel_desktop.store.records import TargetRecord

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"
LOCAL = TargetRecord(1, "local", "unix:///var/run/docker.sock", "docker")
SWARM = TargetRecord(2, "swarm", "unix:///var/run/docker.sock", "swarm")


def _c(name: str, state: str, role: str = "deploy", dep: int = 1) -> ContainerInfo:
    labels = {"pixel.project": "bot", "pixel.role": role, "pixel.deployment": str(dep)}
    return ContainerInfo(id=name, name=name, state=state, image="img", labels=labels, command="")


@dataclass
class FakeDocker:
    containers: list[ContainerInfo] = field(default_factory=list)
    services: dict[str, int] = field(default_factory=dict)  # name -> replicas
    calls: list[tuple[str, str]] = field(default_factory=list)

    def list_containers(self, labels: dict[str, str]) -> list[ContainerInfo]:
        return [c for c in self.containers if all(c.labels.get(k) == v for k, v in labels.items())]

    def stop_container(self, cid: str) -> None:
        self.calls.append(("stop", cid))

    def remove_container(self, cid: str) -> None:
        self.calls.append(("remove", cid))

    def service(self, name: str) -> dict | None:
        return {"ID": name} if name in self.services else None

    def scale_service(self, name: str, replicas: int) -> None:
        self.calls.append(("scale", f"{name}={replicas}"))

    def remove_service(self, name: str) -> None:
        self.calls.append(("remove_service", name))

    def follow_container_logs(self, cid: str, *, tail: int | None, follow: bool) -> LogStream:
        self.calls.append(("logs", cid))
        return LogStream([b"a\n"], None)


# ---------------------------------------------------------------- bind
def test_local_targets_publish_on_loopback_and_remote_targets_on_every_interface() -> None:
    assert hosts.bind_address("unix:///var/run/docker.sock") == "127.0.0.1"
    assert hosts.bind_address("ssh://deploy@server.example") is None
    assert _binding(8000, "same", "127.0.0.1") == ("127.0.0.1", 8000)
    assert _binding(8000, "any", "127.0.0.1") == ("127.0.0.1",)
    assert _binding(8000, "same", None) == 8000
    assert _binding(8000, "any", None) is None


def test_a_local_targets_shown_url_is_the_loopback_it_binds() -> None:
    assert hosts.public_host(LOCAL.docker_host) == hosts.bind_address(LOCAL.docker_host)


# ---------------------------------------------------------------- stop / remove
def test_stop_stops_only_running_deployed_containers_and_keeps_them() -> None:
    docker = FakeDocker([_c("d1", "exited", dep=1), _c("d2", "running", dep=2)])
    outcome = lifecycle.stop(docker, LOCAL, "bot")  # type: ignore[arg-type]
    assert docker.calls == [("stop", "d2")]
    assert outcome.changed == ("d2",) and "kept" in outcome.message


def test_remove_removes_every_container_of_the_project_including_a_left_candidate() -> None:
    docker = FakeDocker([_c("d2", "running"), _c("d3-check", "running", role="candidate")])
    lifecycle.remove(docker, LOCAL, "bot")  # type: ignore[arg-type]
    assert docker.calls == [("remove", "d2"), ("remove", "d3-check")]


def test_stop_or_remove_with_nothing_deployed_says_so() -> None:
    with pytest.raises(InputError, match="Nothing of bot is deployed on local"):
        lifecycle.stop(FakeDocker(), LOCAL, "bot")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="nothing to remove"):
        lifecycle.remove(FakeDocker(), SWARM, "bot")  # type: ignore[arg-type]


def test_swarm_stop_scales_the_service_to_zero_and_remove_deletes_it() -> None:
    docker = FakeDocker(services={"pixel-bot": 2})
    lifecycle.stop(docker, SWARM, "bot")  # type: ignore[arg-type]
    lifecycle.remove(docker, SWARM, "bot")  # type: ignore[arg-type]
    assert docker.calls == [("scale", "pixel-bot=0"), ("remove_service", "pixel-bot")]


# ---------------------------------------------------------------- logs
def test_the_log_shown_is_the_newest_running_deployed_container_not_a_candidate() -> None:
    chosen = lifecycle.newest_container(
        [
            _c("d1", "running", dep=1),
            _c("d3", "exited", dep=3),
            _c("d2", "running", dep=2),
            _c("d4-check", "running", role="candidate", dep=4),
        ]
    )
    assert chosen is not None and chosen.name == "d2"
    docker = FakeDocker([_c("d3", "exited", dep=3)])
    source, _ = lifecycle.logs(docker, LOCAL, "bot", tail=10, follow=False)  # type: ignore[arg-type]
    assert source == "container d3 (exited)" and docker.calls == [("logs", "d3")]


def test_a_log_stream_yields_whole_lines_across_chunks_and_stops_when_closed() -> None:
    assert list(LogStream([b"one\ntw", b"o\r\nthr", "ee"], None)) == ["one", "two", "three"]
    closed: list[bool] = []
    stream = LogStream(iter([b"a\n", b"b\n", b"c\n"]), lambda: closed.append(True))
    lines = []
    for line in stream:
        lines.append(line)
        stream.close()
    assert lines == ["a"] and closed == [True]


# ---------------------------------------------------------------- image names
def test_image_repositories_differ_between_stores_and_ignore_the_store_password() -> None:
    a = image_names.repository("sqlite:////home/u/a.db", "acme", "bot")
    b = image_names.repository("sqlite:////home/u/b.db", "acme", "bot")
    assert a != b and a.startswith("pixel/s") and a.endswith("/acme/bot")
    pg1 = image_names.store_id("postgresql+psycopg://pixel:one@db:5432/pixel")
    pg2 = image_names.store_id("postgresql+psycopg://pixel:two@db:5432/pixel")
    assert pg1 == pg2


# ---------------------------------------------------------------- prune plan
@pytest.fixture()
def ctx(tmp_path: Path) -> AppContext:
    return AppContext(f"sqlite:///{tmp_path / 'store.db'}", Settings(), create_store=True)


def _builds(ctx: AppContext, statuses: list[str]) -> list[int]:
    store = ctx.store
    project = store.projects.create(load_spec_file(SAMPLE))
    ids = []
    for status in statuses:
        build = store.builds.create(project.id)
        store.builds.set_status(build.id, status, image_name=f"pixel/s0/acme/bot:b{build.id}")
        ids.append(build.id)
    return ids


def test_prune_keeps_the_newest_completed_builds_and_any_image_a_deployment_runs(
    ctx: AppContext,
) -> None:
    ids = _builds(ctx, ["completed", "completed", "failed", "completed", "completed"])
    project = ctx.store.projects.list()[0]
    ctx.store.deployments.create(
        project.id, "local", f"pixel/s0/acme/bot:b{ids[0]}", status="healthy"
    )
    workspace = paths.workspaces_dir() / f"build-{ids[2]}"
    workspace.mkdir(parents=True)

    plan = Prune(ctx).plan(keep=2)

    assert {i.build_id for i in plan.items} == {ids[1], ids[2]}
    assert [b for b, _ in plan.kept_in_use] == [ids[0]]
    failed = next(i for i in plan.items if i.build_id == ids[2])
    assert failed.workspace == workspace


def test_prune_uses_the_retention_setting_and_refuses_keeping_none(ctx: AppContext) -> None:
    ids = _builds(ctx, ["completed"] * 3)
    ctx.settings.keep_builds_per_project = 1
    assert {i.build_id for i in Prune(ctx).plan().items} == set(ids[:2])
    with pytest.raises(InputError, match="at least 1"):
        Prune(ctx).plan(keep=0)


def test_prune_never_plans_a_running_build(ctx: AppContext) -> None:
    _builds(ctx, ["building", "completed"])
    assert Prune(ctx).plan(keep=1).items == []


# ---------------------------------------------------------------- publish address of a target
def _target(host: str, publish: str | None, kind: str = "docker") -> TargetRecord:
    return TargetRecord(3, "t", host, kind, publish_address=publish)


def test_the_shown_url_reaches_where_a_target_publishes() -> None:
    local, remote = "unix:///var/run/docker.sock", "tcp://server.example:2376"
    cases = {
        (local, None): ("127.0.0.1", "127.0.0.1"),
        (local, "0.0.0.0"): (None, "127.0.0.1"),
        (local, "192.168.1.20"): ("192.168.1.20", "192.168.1.20"),
        (remote, None): (None, "server.example"),
        (remote, "10.0.0.5"): ("10.0.0.5", "10.0.0.5"),
        (remote, "::"): (None, "server.example"),
    }
    for (host, publish), (bind, url_host) in cases.items():
        binding = hosts.publish_binding(_target(host, publish))
        assert (binding.bind, binding.url_host) == (bind, url_host), (host, publish)


def test_a_publish_address_must_be_an_ip_and_a_remote_target_cannot_bind_loopback() -> None:
    assert hosts.validate_publish_address(" 0.0.0.0 ", "ssh://u@h") == "0.0.0.0"
    assert hosts.validate_publish_address("", "ssh://u@h") is None
    with pytest.raises(InputError, match="use an IP address"):
        hosts.validate_publish_address("myhost", "unix:///var/run/docker.sock")
    with pytest.raises(InputError, match="checks its health from this machine"):
        hosts.validate_publish_address("127.0.0.1", "ssh://deploy@server.example")
