"""Deployment operations against the real daemon: a local target binds 127.0.0.1 and shows
that URL; the log is read and followed (new lines arrive, closing stops it); stop keeps the
container and records ``stopped``; remove deletes it and records ``removed``; prune removes
only this store's old build images and never one a deployment runs."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from deploy_helpers import HERE, add_build, free_port, make_project, unique_slug

from pixel_desktop.app.context import AppContext
from pixel_desktop.app.prune import Prune
from pixel_desktop.build import image_names
from pixel_desktop.deploy import DeployService
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.errors import InputError
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker]

LOGGING_TAG = "pixel-deploy-standin:logging"


@pytest.fixture(scope="module")
def logging_standin(docker_host: str, base_image: str) -> str:
    """The stand-in server, printing one line per request (the shared one is silent)."""
    server = (HERE / "standin_server.py").read_text(encoding="utf-8")
    server = server.replace(
        "    def log_message(self, *args: object) -> None:\n        pass",
        "    def log_message(self, fmt: str, *args: object) -> None:\n"
        "        print('request ' + fmt % args, flush=True)",
    )
    assert "print('request" in server
    with tempfile.TemporaryDirectory() as tmp, DockerClient(docker_host) as docker:
        ctx = Path(tmp)
        (ctx / "server.py").write_text(
            "print('standin starting', flush=True)\n" + server, encoding="utf-8"
        )
        (ctx / "Dockerfile").write_text(
            f"FROM {base_image}\nENV STANDIN_MODE=good STANDIN_VERSION=1\n"
            'COPY server.py /srv/server.py\nCMD ["python3", "-u", "/srv/server.py"]\n',
            encoding="utf-8",
        )
        docker.build(ctx, LOGGING_TAG)
    return LOGGING_TAG


def _service(store, docker_host: str) -> DeployService:
    return DeployService(store, Settings(), local_host=docker_host, health_timeout_s=20)


def _wait_for(predicate, timeout_s: float = 15.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_local_deploy_binds_loopback_its_log_follows_and_it_stops_then_is_removed(
    store, docker_host, logging_standin, cleanup
) -> None:
    slug = unique_slug("deploy-ops")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port)
    store.targets.add("here", docker_host, "docker")
    build = add_build(store, project.id, logging_standin)
    service = _service(store, docker_host)

    deployed = service.deploy(slug, "here", build_id=build.id)

    assert deployed.status == "healthy", deployed.error_message
    assert deployed.url == f"http://127.0.0.1:{port}"
    with DockerClient(docker_host) as docker:
        (live,) = docker.list_containers({"pixel.project": slug})
        bindings = docker.api.inspect_container(live.id)["HostConfig"]["PortBindings"]
    assert bindings[f"{port}/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]

    with service.logs(slug, "here", tail=50) as log:
        assert log.source.startswith(f"container pixel-{slug}-d{deployed.id}")
        assert "standin starting" in list(log)

    followed: list[str] = []
    log = service.logs(slug, "here", tail=0, follow=True)
    reader = threading.Thread(target=lambda: followed.extend(log), daemon=True)
    reader.start()
    httpx.post(f"{deployed.url}/chat", json={"message": "hi"}, timeout=10).raise_for_status()
    assert _wait_for(lambda: any('"POST /chat' in line for line in followed)), followed
    log.close()
    reader.join(timeout=10)
    assert not reader.is_alive(), "closing a followed log ends its reader"

    stopped = service.stop(slug, "here")

    assert stopped.status == "stopped" and stopped.image_ref == logging_standin
    assert stopped.config_snapshot["of_deployment"] == deployed.id
    with DockerClient(docker_host) as docker:
        (kept,) = docker.list_containers({"pixel.project": slug})
        assert kept.state == "exited"
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{deployed.url}/health", timeout=2)

    removed = service.remove(slug, "here")

    assert removed.status == "removed"
    with DockerClient(docker_host) as docker:
        assert docker.list_containers({"pixel.project": slug}) == []
    assert [d.status for d in store.deployments.list(slug)] == ["removed", "stopped", "healthy"]
    with pytest.raises(InputError, match="nothing to stop"):
        service.stop(slug, "here")


def test_a_stopped_deployment_is_replaced_by_the_next_deploy(
    store, docker_host, standins, cleanup
) -> None:
    slug = unique_slug("deploy-ops-again")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port)
    store.targets.add("here", docker_host, "docker")
    service = _service(store, docker_host)
    first = service.deploy(slug, "here", build_id=add_build(store, project.id, standins.good).id)
    assert first.status == "healthy", first.error_message
    service.stop(slug, "here")

    again = service.deploy(slug, "here", build_id=add_build(store, project.id, standins.good2).id)

    assert again.status == "healthy", again.error_message
    health = httpx.get(f"{again.url}/health", timeout=5).json()
    assert health["version"] == "2"
    with DockerClient(docker_host) as docker:
        (only,) = docker.list_containers({"pixel.project": slug})
        assert only.labels["pixel.deployment"] == str(again.id)


def test_prune_removes_old_images_of_this_store_only_and_keeps_the_deployed_one(
    store, docker_host, standins
) -> None:
    slug = unique_slug("prune")
    project = make_project(store, slug, free_port())
    repo = image_names.repository(store.url, project.spec.client_slug, slug)
    other_store_repo = image_names.repository(
        "sqlite:////elsewhere.db", project.spec.client_slug, slug
    )
    builds = []
    with DockerClient(docker_host) as docker:
        for _ in range(4):
            build = store.builds.create(project.id)
            ref = f"{repo}:b{build.id}"
            docker.tag(standins.good, repo, f"b{build.id}")
            builds.append(store.builds.set_status(build.id, "completed", image_name=ref))
        docker.tag(standins.good, other_store_repo, f"b{builds[0].id}")
    store.deployments.create(project.id, "here", builds[0].image_name, status="healthy")
    ctx = AppContext(store.url, Settings())
    try:
        plan = Prune(ctx).plan(keep=2, slug=slug)
        assert [i.build_id for i in plan.items] == [builds[1].id]

        result = Prune(ctx).run(plan)

        assert result.removed_images == [builds[1].image_name] and result.problems == []
        with DockerClient(docker_host) as docker:
            assert not docker.image_exists(str(builds[1].image_name))
            for kept in (builds[0], builds[2], builds[3]):
                assert docker.image_exists(str(kept.image_name))
            assert docker.image_exists(f"{other_store_repo}:b{builds[0].id}")
            assert docker.image_exists(standins.good)
    finally:
        with DockerClient(docker_host) as docker:
            for b in builds:
                docker.remove_image(str(b.image_name), force=False)
            docker.remove_image(f"{other_store_repo}:b{builds[0].id}", force=False)


def test_a_target_added_with_a_publish_address_publishes_there_and_the_cli_shows_it(
    store, docker_host, standins, cleanup, capsys
) -> None:
    from pixel_desktop.cli import main as cli_main

    assert (
        cli_main.main(
            ["targets", "add", "open", "--docker-host", docker_host, "--publish-address", "0.0.0.0"]
        )
        == 0
    )
    assert "publish on 0.0.0.0" in capsys.readouterr().out
    assert cli_main.main(["targets", "list", "--json"]) == 0
    assert '"publish_address": "0.0.0.0"' in capsys.readouterr().out
    slug = unique_slug("deploy-ops-open")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port)
    build = add_build(store, project.id, standins.good)

    deployed = _service(store, docker_host).deploy(slug, "open", build_id=build.id)

    assert deployed.status == "healthy", deployed.error_message
    assert deployed.url == f"http://127.0.0.1:{port}", "every interface includes loopback"
    with DockerClient(docker_host) as docker:
        (live,) = docker.list_containers({"pixel.project": slug})
        bindings = docker.api.inspect_container(live.id)["HostConfig"]["PortBindings"]
    assert bindings[f"{port}/tcp"][0]["HostIp"] in ("", "0.0.0.0")


def test_prune_keeps_an_old_style_tag_that_another_store_re_tagged(
    store, docker_host, standins
) -> None:
    slug = unique_slug("prune-old")
    project = make_project(store, slug, free_port())
    old_repo = f"pixel/{project.spec.client_slug}/{slug}"  # a name from before the store id
    with DockerClient(docker_host) as docker:
        ours = docker.inspect_image(standins.good).id
        old = store.builds.create(project.id)
        old_ref = f"{old_repo}:b{old.id}"
        store.builds.set_status(old.id, "completed", image_name=old_ref, image_id=ours)
        docker.tag(standins.good2, old_repo, f"b{old.id}")  # another store's build of that number
        add_build(store, project.id, standins.good)
    ctx = AppContext(store.url, Settings())
    try:
        plan = Prune(ctx).plan(keep=1, slug=slug)
        assert [i.build_id for i in plan.items] == [old.id]

        result = Prune(ctx).run(plan)

        assert result.kept_foreign == [old_ref] and result.removed_images == []
        with DockerClient(docker_host) as docker:
            assert docker.inspect_image(old_ref).id != ours
    finally:
        with DockerClient(docker_host) as docker:
            docker.remove_image(old_ref, force=False)


def test_the_cli_prints_the_log_stops_removes_with_yes_and_dry_runs_a_prune(
    store, docker_host, logging_standin, cleanup, capsys, monkeypatch
) -> None:
    from pixel_desktop.cli import main as cli_main

    slug = unique_slug("deploy-ops-cli")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("here", docker_host, "docker")
    build = add_build(store, project.id, logging_standin)
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    deployed = _service(store, docker_host).deploy(slug, "here", build_id=build.id)
    assert deployed.status == "healthy", deployed.error_message
    capsys.readouterr()

    assert cli_main.main(["deployments", "logs", slug, "here", "--tail", "5"]) == 0
    out = capsys.readouterr()
    assert "standin starting" in out.out and f"pixel-{slug}-d{deployed.id}" in out.err

    assert cli_main.main(["deployments", "stop", slug, "here", "--json"]) == 0
    assert '"status": "stopped"' in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli_main.main(["deployments", "remove", slug, "here"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert cli_main.main(["deployments", "remove", slug, "here", "--yes"]) == 0
    assert "Removed" in capsys.readouterr().out
    assert cli_main.main(["deployments", "stop", slug, "here"]) == 2
    assert "nothing to stop" in capsys.readouterr().err

    assert cli_main.main(["builds", "prune", slug, "--keep", "1", "--dry-run"]) == 0
    assert "0 build(s) to prune" in capsys.readouterr().out
