"""A real build of the sample assistant deployed over ssh://, both as jobs of one runner:
/chat answers."""

from __future__ import annotations

import httpx
import pytest
from deploy_helpers import free_port, unique_slug

from pixel_desktop import paths
from pixel_desktop.deploy import DeployService
from pixel_desktop.jobs.local import LocalJobRunner
from pixel_desktop.settings import Settings
from pixel_desktop.spec import load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

pytestmark = [pytest.mark.docker, pytest.mark.ssh, pytest.mark.slow]


def test_built_sample_assistant_deploys_over_ssh_and_chat_answers_through_the_port(
    store, docker_host, base_image, ssh_env, cleanup
) -> None:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    data["slug"] = unique_slug("deploy-real")
    data["deployment"]["port"] = port = free_port()
    data["deployment"]["secret_env"] = []
    project = store.projects.create(spec_from_data(data))
    cleanup.append(project.slug)
    settings = Settings(docker_host=docker_host, base_image=base_image)
    runner = LocalJobRunner(
        store,
        settings,
        deploy_service=lambda bus: DeployService(store, settings, bus=bus, local_host=docker_host),
    )
    try:
        build = runner.wait(runner.submit_build(project.slug, run_tests=False), timeout=900)
        assert build.status == "completed", build.error_message
        store.targets.add("remote", ssh_env.docker_url, "docker")

        job = runner.submit_deploy(project.slug, "remote")
        record = runner.wait(job, timeout=600)
    finally:
        runner.shutdown(timeout=60)

    assert job.kind == "deploy" and record.id == job.id
    assert record.status == "healthy", record.error_message
    assert record.build_id == build.id and record.image_ref == build.image_name
    assert record.url == f"http://127.0.0.1:{port}"
    health = httpx.get(f"{record.url}/health", timeout=10).json()
    assert health["status"] == "ok"
    reply = httpx.post(
        f"{record.url}/chat", json={"message": "How do I reset my password?"}, timeout=20
    )
    assert reply.status_code == 200
    assert "forgot password" in reply.json()["reply"].lower()
