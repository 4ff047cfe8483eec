"""The sample as shipped builds, passes its tests and deploys with no secret set: it declares
LLM_API_KEY, but with llm.provider none the service never reads it (a warning, not a refusal)."""

from __future__ import annotations

import httpx
import pytest
from deploy_helpers import free_port, unique_slug

from pixel_desktop import paths
from pixel_desktop.deploy import DeployService
from pixel_desktop.events import DeployProgress
from pixel_desktop.jobs.local import LocalJobRunner
from pixel_desktop.secrets import SecretStore
from pixel_desktop.settings import Settings
from pixel_desktop.spec import load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_the_sample_builds_tests_and_deploys_with_no_secret_set(
    store, docker_host, base_image, cleanup, secret_service
) -> None:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    assert data["deployment"]["secret_env"] == ["LLM_API_KEY"] and data["llm"]["provider"] == "none"
    data["slug"] = unique_slug("sample-nosecret")  # only what isolates the test changes
    data["deployment"]["port"] = port = free_port()
    project = store.projects.create(spec_from_data(data))
    cleanup.append(project.slug)
    assert SecretStore().get_project_secret(project, "LLM_API_KEY") is None
    store.targets.add("local", docker_host, "docker")
    settings = Settings(docker_host=docker_host, base_image=base_image)
    runner = LocalJobRunner(
        store,
        settings,
        deploy_service=lambda bus: DeployService(store, settings, bus=bus, local_host=docker_host),
    )
    progress: list[DeployProgress] = []
    try:
        build = runner.wait(runner.submit_build(project.slug, run_tests=True), timeout=900)
        assert build.status == "completed", build.error_message

        job = runner.submit_deploy(project.slug, "local")
        runner.bus.subscribe_job(job, lambda e: progress.append(e) if isinstance(e, DeployProgress) else None)
        record = runner.wait(job, timeout=600)
    finally:
        runner.shutdown(timeout=60)

    assert record.status == "healthy", record.error_message
    assert record.config_snapshot["secret_env_unset"] == ["LLM_API_KEY"]
    warnings = [e.message for e in progress if e.message.startswith("warning:")]
    assert len(warnings) == 1 and "LLM_API_KEY" in warnings[0]
    assert "Editor › Deployment › Set value in keyring…" in warnings[0]
    reply = httpx.post(f"{record.url}/chat", json={"message": "How do I reset my password?"}, timeout=20)
    assert reply.status_code == 200 and "forgot password" in reply.json()["reply"].lower()
    assert record.url.endswith(f":{port}")
