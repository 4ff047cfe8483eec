"""Cancelling a deploy job against the real daemon: the record ends ``cancelled`` saying what
was left running, and the previous version serves (issue 13: a deploy can be cancelled and
its record ends in a defined state)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from deploy_helpers import add_build, free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.events import DeployProgress, EventBus
from pixel_desktop.jobs.local import LocalJobRunner
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker]

WAIT_S = 60


class _NoBuilds:
    """These tests submit deploys only."""

    def run(self, job) -> str:  # pragma: no cover
        raise AssertionError("no build expected")


def _runner(store, docker_host: str, http_get=None) -> LocalJobRunner:
    def service(bus: EventBus) -> DeployService:
        svc = DeployService(
            store, Settings(), bus=bus, local_host=docker_host, health_timeout_s=WAIT_S
        )
        if http_get is not None:
            svc._http_get = http_get
        return svc

    return LocalJobRunner(
        store, Settings(), pipeline=_NoBuilds(), concurrency=1, deploy_service=service
    )


def _live(docker_host: str, slug: str) -> list[tuple[str, str, str]]:
    with DockerClient(docker_host) as docker:
        return sorted(
            (c.labels["pixel.deployment"], c.labels.get("pixel.role", ""), c.state)
            for c in docker.list_containers({"pixel.project": slug})
        )


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


def _submit_until(runner, slug, build_id, waiting_for: str):
    reached = threading.Event()
    runner.bus.subscribe(
        lambda e: reached.set()
        if isinstance(e, DeployProgress) and waiting_for in e.message
        else None
    )
    ref = runner.submit_deploy(slug, "local", build_id=build_id)
    assert reached.wait(WAIT_S), f"the deploy never reached {waiting_for!r}"
    return ref


def test_cancel_mid_switch_over_removes_the_new_container_and_the_old_one_serves_again(
    store, standins, docker_host, cleanup
) -> None:
    slug = unique_slug("deploy-cancel")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("local", docker_host, "docker")
    real_port = str(project.spec.deployment.port)

    switching = threading.Event()  # set once the first version is deployed

    def never_healthy_on_the_real_port(url: str, timeout: float) -> int:
        if switching.is_set() and url.split(":")[2].startswith(real_port + "/"):
            return 503  # the new version passed as a candidate and now never gets ready
        return httpx.get(url, timeout=timeout).status_code

    runner = _runner(store, docker_host, never_healthy_on_the_real_port)
    try:
        first = runner.wait(
            runner.submit_deploy(
                slug, "local", build_id=add_build(store, project.id, standins.good).id
            ),
            timeout=WAIT_S * 2,
        )
        assert first.status == "healthy", first.error_message
        switching.set()
        ref = _submit_until(
            runner,
            slug,
            add_build(store, project.id, standins.good2).id,
            f":{real_port}/health",
        )

        assert runner.cancel(ref)
        record = runner.wait(ref, timeout=WAIT_S)
    finally:
        runner.shutdown(timeout=WAIT_S)

    assert record.status == "cancelled", record.error_message
    assert "was removed" in record.error_message and "started again" in record.error_message
    assert _live(docker_host, slug) == [(str(first.id), "deploy", "running")]
    assert _answers(first.url + "/health", within_s=30), "the previous version serves again"


def test_cancel_during_the_candidate_check_never_touches_the_running_version(
    store, standins, docker_host, cleanup
) -> None:
    slug = unique_slug("deploy-cancel-cand")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("local", docker_host, "docker")
    runner = _runner(store, docker_host)
    try:
        first = runner.wait(
            runner.submit_deploy(
                slug, "local", build_id=add_build(store, project.id, standins.good).id
            ),
            timeout=WAIT_S * 2,
        )
        assert first.status == "healthy", first.error_message
        with DockerClient(docker_host) as docker:
            started = docker.api.inspect_container(f"pixel-{slug}-d{first.id}")["State"]["StartedAt"]
        ref = _submit_until(
            runner, slug, add_build(store, project.id, standins.bad).id, "temporary port"
        )

        assert runner.cancel(ref)
        record = runner.wait(ref, timeout=WAIT_S)
    finally:
        runner.shutdown(timeout=WAIT_S)

    assert record.status == "cancelled", record.error_message
    assert "candidate" in record.error_message and "keeps serving" in record.error_message
    assert _live(docker_host, slug) == [(str(first.id), "deploy", "running")]
    with DockerClient(docker_host) as docker:
        again = docker.api.inspect_container(f"pixel-{slug}-d{first.id}")["State"]["StartedAt"]
    assert again == started, "the running container was never restarted"
    assert httpx.get(first.url + "/health", timeout=5).status_code == 200

