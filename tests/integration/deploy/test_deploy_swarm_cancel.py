"""Cancelling a Swarm deploy job while the update converges, against the real Swarm manager:
the record ends ``cancelled`` and Swarm rolls the service back to the version that served.
(Swarm tests change the daemon's global state: only the deploy helper runs them.)"""

from __future__ import annotations

import threading
import time

import pytest
import services
from deploy_helpers import add_build, free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.events import DeployProgress, EventBus
from pixel_desktop.jobs.local import LocalJobRunner
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker]

CONVERGE_S = 150


class _NoBuilds:
    def run(self, job) -> str:  # pragma: no cover
        raise AssertionError("no build expected")


def test_cancel_during_a_swarm_update_rolls_the_service_back_to_the_serving_version(
    store, standins, docker_host, cleanup
) -> None:
    services.require_swarm_manager(docker_host)
    slug = unique_slug("deploy-swarm-cancel")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    store.targets.add("swarm", docker_host, "swarm")

    def deploy_service(bus: EventBus) -> DeployService:
        return DeployService(
            store,
            Settings(),
            bus=bus,
            local_host=docker_host,
            health_timeout_s=30,
            swarm_timeout_s=CONVERGE_S,
        )

    runner = LocalJobRunner(
        store, Settings(), pipeline=_NoBuilds(), concurrency=1, deploy_service=deploy_service
    )
    try:
        first = runner.wait(
            runner.submit_deploy(
                slug, "swarm", build_id=add_build(store, project.id, standins.good).id
            ),
            timeout=CONVERGE_S + 30,
        )
        assert first.status == "healthy", first.error_message
        converging = threading.Event()
        runner.bus.subscribe(
            lambda e: converging.set()
            if isinstance(e, DeployProgress) and "healthy replicas" in e.message
            else None
        )
        ref = runner.submit_deploy(
            slug, "swarm", build_id=add_build(store, project.id, standins.good2).id
        )
        assert converging.wait(CONVERGE_S), "the update never started"

        assert runner.cancel(ref)
        record = runner.wait(ref, timeout=60)
    finally:
        runner.shutdown(timeout=60)

    assert record.status == "cancelled", record.error_message
    assert "roll it back" in record.error_message
    deadline = time.monotonic() + CONVERGE_S
    with DockerClient(docker_host) as docker:
        while True:
            status = docker.service_status(f"pixel-{slug}")
            if (
                status.image.split("@")[0] == standins.good
                and status.update_state == "rollback_completed"
                and status.running_tasks >= 2
            ):
                break
            assert time.monotonic() < deadline, f"Swarm did not roll back: {status}"
            time.sleep(1)
