"""Stop, logs and remove of a Swarm deployment against the real Swarm manager: stop scales
the service to 0 (kept), the log is every task's, remove deletes the service; each is a
history entry. The service is created directly (as a deploy leaves it), since published
swarm ports do not answer on this kernel (see test_deploy_swarm_and_load.py)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import services
from deploy_helpers import HERE, free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService
from pixel_desktop.deploy import config as cfg
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.models import Workload
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker]


def _printing_image(docker: DockerClient, base_image: str) -> str:
    tag = "pixel-deploy-standin:swarm-logging"
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp)
        server = (HERE / "standin_server.py").read_text(encoding="utf-8")
        (ctx / "server.py").write_text(
            "print('swarm task up', flush=True)\n" + server, encoding="utf-8"
        )
        (ctx / "Dockerfile").write_text(
            f"FROM {base_image}\nCOPY server.py /srv/server.py\n"
            'CMD ["python3", "-u", "/srv/server.py"]\n',
            encoding="utf-8",
        )
        docker.build(ctx, tag)
    return tag


def test_swarm_stop_scales_to_zero_logs_read_the_tasks_and_remove_deletes_the_service(
    store, docker_host, base_image, cleanup
) -> None:
    services.require_swarm_manager(docker_host)
    slug = unique_slug("deploy-ops-swarm")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port)
    store.targets.add("swarm", docker_host, "swarm")
    name = cfg.service_name(slug)
    with DockerClient(docker_host) as docker:
        image = _printing_image(docker, base_image)
        docker.upsert_service(
            Workload(name, image, port, {"PORT": str(port)}, cfg.labels(slug, 1)),
            replicas=1,
            health_cmd=["NONE"],
        )
        end = time.monotonic() + 90
        while docker.service_status(name).running_tasks < 1 and time.monotonic() < end:
            time.sleep(1)
        assert docker.service_status(name).running_tasks == 1
    store.deployments.create(project.id, "swarm", image, status="healthy")
    service = DeployService(store, Settings(), local_host=docker_host)

    lines: list[str] = []
    end = time.monotonic() + 30
    while not any("swarm task up" in line for line in lines) and time.monotonic() < end:
        with service.logs(slug, "swarm", tail=20) as log:
            assert log.source == f"service {name}"
            lines = list(log)
        time.sleep(0.5)
    assert any("swarm task up" in line for line in lines), lines

    stopped = service.stop(slug, "swarm")

    assert stopped.status == "stopped" and "scaled to 0" in stopped.config_snapshot["note"]
    with DockerClient(docker_host) as docker:
        svc = docker.service(name)
        assert svc is not None and svc["Spec"]["Mode"]["Replicated"]["Replicas"] == 0

    removed = service.remove(slug, "swarm")

    assert removed.status == "removed"
    with DockerClient(docker_host) as docker:
        assert docker.service(name) is None
