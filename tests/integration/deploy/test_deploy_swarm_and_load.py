"""Swarm services with automatic rollback, and docker save → docker load streaming over ssh://."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
import services
from deploy_helpers import add_build, free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService, hosts
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker]


def _chat_inside_tasks(docker_host: str, slug: str, port: int, text: str) -> list[str]:
    """POST /chat inside every running task container. The routing mesh needs IPVS, which
    this kernel lacks (published swarm ports do not answer here), so the test talks to each
    replica from inside it instead."""
    import json

    code = (
        "import json,sys,urllib.request;"
        f"r=urllib.request.Request('http://127.0.0.1:{port}/chat',data=json.dumps({{'message':sys.argv[1]}}).encode(),"
        "headers={'Content-Type':'application/json'});print(json.load(urllib.request.urlopen(r,timeout=5))['reply'])"
    )
    replies = []
    with DockerClient(docker_host) as docker:
        tasks = docker.api.containers(
            filters={"label": f"com.docker.swarm.service.name=pixel-{slug}"}
        )
        for c in tasks:
            ex = docker.api.exec_create(c["Id"], ["python3", "-c", code, text])
            replies.append(docker.api.exec_start(ex["Id"]).decode().strip())
    return [json.loads(json.dumps(r)) for r in sorted(replies)]


def test_swarm_target_runs_two_replicas_and_a_broken_update_rolls_back_automatically(
    store, standins, docker_host, cleanup
) -> None:
    services.require_swarm_manager(docker_host)
    slug = unique_slug("deploy-swarm")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port)
    store.targets.add("swarm", docker_host, "swarm")
    service = DeployService(
        store, Settings(), local_host=docker_host, health_timeout_s=30, swarm_timeout_s=150
    )

    first = service.deploy(slug, "swarm", build_id=add_build(store, project.id, standins.good).id)

    assert first.status == "healthy", first.error_message
    with DockerClient(docker_host) as docker:
        status = docker.service_status(f"pixel-{slug}")
        assert status.running_tasks == 2
        svc = docker.service(f"pixel-{slug}")
        update = svc["Spec"]["UpdateConfig"]
        assert (update["Order"], update["FailureAction"]) == ("start-first", "rollback")
    assert _chat_inside_tasks(docker_host, slug, port, "hi") == ["v1: hi", "v1: hi"]

    second = service.deploy(slug, "swarm", build_id=add_build(store, project.id, standins.bad).id)

    assert second.status == "rolled_back", second.error_message
    with DockerClient(docker_host) as docker:
        status = docker.service_status(f"pixel-{slug}")
        assert status.image.split("@")[0] == standins.good
    assert _chat_inside_tasks(docker_host, slug, port, "again") == ["v1: again", "v1: again"]


def test_image_streams_from_docker_save_into_docker_load_over_ssh_when_absent(
    docker_host, ssh_env
) -> None:
    """The target has the image in no registry and not locally: only the stream brings it."""
    tag = f"pixel-deploytest/tiny:{uuid.uuid4().hex[:12]}"
    with DockerClient(docker_host) as local, tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp)
        (ctx / "payload.bin").write_bytes(uuid.uuid4().bytes * 4096)
        (ctx / "Dockerfile").write_text(
            "FROM scratch\nCOPY payload.bin /payload.bin\n", encoding="utf-8"
        )
        image_id = local.build(ctx, tag).image_id
        chunks = list(local.save_stream([tag]))  # the daemon is both ends here: buffer, then remove
        local.remove_image(tag)
        assert not local.image_exists(tag)
    logs: list[str] = []
    try:
        with hosts.connect(ssh_env.docker_url, "remote") as remote:
            loaded = remote.load_stream(iter(chunks), logs.append)
            assert loaded == [tag]
            assert remote.inspect_image(tag).id == image_id
    finally:
        with DockerClient(docker_host) as local:
            local.remove_image(tag)


def test_deploy_via_load_of_an_image_missing_locally_fails_with_how_to_fix(
    store, docker_host, cleanup
) -> None:
    slug = unique_slug("deploy-missing-image")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("local", docker_host, "docker")
    build = add_build(store, project.id, f"pixel-deploytest/gone:{uuid.uuid4().hex[:8]}")
    service = DeployService(store, Settings(), local_host=docker_host, health_timeout_s=10)

    record = service.deploy(slug, "local", build_id=build.id, via="load")

    assert record.status == "failed"
    assert "not in the local Docker daemon" in (record.error_message or "")
    assert f"pixel build {slug}" in (record.error_message or "")
