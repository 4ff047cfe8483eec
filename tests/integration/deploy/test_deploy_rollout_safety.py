"""Rollout safety against the real daemon (issue 11 §4.1): the running version keeps serving
while a new one is checked, Ctrl+C restores it, and a deploy killed mid-way is swept."""

from __future__ import annotations

import time

import httpx
import pytest
from deploy_helpers import add_build, free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker]


def _started_at(docker_host: str, slug: str) -> dict[str, str]:
    with DockerClient(docker_host) as docker:
        return {
            c.name: docker.api.inspect_container(c.id)["State"]["StartedAt"]
            for c in docker.list_containers({"pixel.project": slug})
        }


def test_a_failing_new_version_is_checked_beside_the_running_one_which_never_stops(
    store, standins, docker_host, cleanup
) -> None:
    slug = unique_slug("deploy-candidate")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("local", docker_host, "docker")
    service = DeployService(store, Settings(), local_host=docker_host, health_timeout_s=10)
    first = service.deploy(slug, "local", build_id=add_build(store, project.id, standins.good).id)
    assert first.status == "healthy", first.error_message
    before = _started_at(docker_host, slug)
    events: list = []

    second = service.deploy(
        slug,
        "local",
        build_id=add_build(store, project.id, standins.bad).id,
        on_progress=events.append,
    )

    assert second.status == "rolled_back", second.error_message
    assert "never stopped" in second.error_message
    assert _started_at(docker_host, slug) == before, "the running container was not restarted"
    assert any("temporary port" in getattr(e, "message", "") for e in events)
    assert httpx.get(first.url + "/health", timeout=5).status_code == 200


def test_ctrl_c_during_the_switch_over_health_wait_restores_the_running_version(
    store, standins, docker_host, cleanup
) -> None:
    slug = unique_slug("deploy-ctrl-c")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("local", docker_host, "docker")
    service = DeployService(store, Settings(), local_host=docker_host, health_timeout_s=20)
    first = service.deploy(slug, "local", build_id=add_build(store, project.id, standins.good).id)
    assert first.status == "healthy", first.error_message
    real_port = str(project.spec.deployment.port)

    def interrupt_on_the_real_port(url: str, timeout: float) -> int:
        if url.split(":")[2].startswith(real_port + "/"):
            raise KeyboardInterrupt  # the user pressed Ctrl+C while the new one starts
        return httpx.get(url, timeout=timeout).status_code

    service._http_get = interrupt_on_the_real_port
    with pytest.raises(KeyboardInterrupt):
        service.deploy(slug, "local", build_id=add_build(store, project.id, standins.good2).id)

    with DockerClient(docker_host) as docker:
        live = docker.list_containers({"pixel.project": slug})
    assert [(c.labels["pixel.deployment"], c.state) for c in live] == [(str(first.id), "running")]
    latest = store.deployments.list(slug)[0]
    assert latest.status == "failed" and "Interrupted" in latest.error_message
    assert _answers(first.url + "/health", within_s=20), "the restarted container serves again"


def _answers(url: str, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=3).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False
