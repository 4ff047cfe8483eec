"""--via registry: the target pulls the pushed image with credentials from the OS keyring."""

from __future__ import annotations

import uuid

import httpx
import pytest
from deploy_helpers import free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.secrets import SecretStore
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker, pytest.mark.ssh, pytest.mark.registry, pytest.mark.keyring]


def test_target_pulls_from_the_registry_with_keyring_credentials_and_reports_the_digest(
    store, standins, docker_host, registry, secret_service, ssh_env, cleanup
) -> None:
    slug = unique_slug("deploy-registry")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    repo = f"{registry.address}/pixel-deploytest/{slug}"
    tag = uuid.uuid4().hex[:10]
    ref = f"{repo}:{tag}"
    auth = {
        "username": registry.username,
        "password": registry.password,
        "serveraddress": registry.address,
    }
    with DockerClient(docker_host) as docker:
        docker.tag(standins.good, repo, tag)
        pushed = docker.push(repo, tag, auth)
        docker.remove_image(ref)  # only the registry has this reference now
        assert not docker.image_exists(ref)
    store.registries.add("test", registry.address, username=registry.username, insecure=True)
    SecretStore().set_registry_password("test", registry.username, registry.password)
    build = store.builds.create(project.id)
    store.builds.set_status(
        build.id,
        "completed",
        image_name=standins.good,
        pushed_ref=ref,
        digest=pushed.digest,
        registry_name="test",
    )
    store.targets.add("remote", ssh_env.docker_url, "docker")
    service = DeployService(store, Settings(), local_host=docker_host, health_timeout_s=20)

    try:
        record = service.deploy(slug, "remote", build_id=build.id)

        assert record.status == "healthy", record.error_message
        assert record.image_ref == ref and record.digest == pushed.digest
        assert record.config_snapshot["via"] == "registry"
        assert registry.password not in repr(record)
        r = httpx.post(f"{record.url}/chat", json={"message": "pulled"}, timeout=10)
        assert r.json()["reply"] == "v1: pulled"
        sample = service.sample(slug, "remote")
        assert sample.healthy and sample.memory_bytes > 0 and sample.health_latency_ms is not None
    finally:
        with DockerClient(docker_host) as docker:
            for c in docker.list_containers({"pixel.project": slug}):
                docker.remove_container(c.id)
            docker.remove_image(ref)


def test_wrong_registry_password_in_the_keyring_fails_the_deploy_clearly(
    store, standins, docker_host, registry, secret_service, cleanup
) -> None:
    slug = unique_slug("deploy-registry-denied")
    cleanup.append(slug)
    project = make_project(store, slug, free_port())
    ref = f"{registry.address}/pixel-deploytest/{slug}:{uuid.uuid4().hex[:8]}"
    store.registries.add("test", registry.address, username=registry.username, insecure=True)
    SecretStore().set_registry_password("test", registry.username, "wrong-" + uuid.uuid4().hex)
    build = store.builds.create(project.id)
    store.builds.set_status(
        build.id, "completed", image_name=standins.good, pushed_ref=ref, registry_name="test"
    )
    store.targets.add("local", docker_host, "docker")

    record = DeployService(store, Settings(), local_host=docker_host).deploy(
        slug, "local", build_id=build.id
    )

    assert record.status == "failed"
    assert "refused to pull" in record.error_message and ref in record.error_message
    assert "keyring" in record.error_message
