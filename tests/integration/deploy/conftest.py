"""Deploy integration fixtures: stand-in images, a store, cleanup of what a test deployed, ssh env.

The stand-in images are built once per session from the local base image (two tiny COPY
layers) so most deploy tests do not depend on the full build pipeline; they behave like the
generated service where deploy cares: /health, /chat, the port from the spec.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from deploy_helpers import STANDIN_REPO, Standins, build_standin

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.store import Store


@pytest.fixture(scope="session")
def standins(docker_host: str, base_image: str) -> Standins:
    with DockerClient(docker_host) as docker:
        return Standins(
            good=build_standin(docker, base_image, f"{STANDIN_REPO}:good", "good", "1"),
            good2=build_standin(docker, base_image, f"{STANDIN_REPO}:good2", "good", "2"),
            bad=build_standin(docker, base_image, f"{STANDIN_REPO}:bad", "bad", "3"),
        )


@pytest.fixture
def store() -> Iterator[Store]:
    st = Store.open()
    yield st
    st.close()


@pytest.fixture
def cleanup(docker_host: str) -> Iterator[list[str]]:
    """Slugs appended here get their containers and services removed after the test."""
    slugs: list[str] = []
    yield slugs
    with DockerClient(docker_host) as docker:
        for slug in slugs:
            for c in docker.list_containers({"pixel.project": slug}):
                docker.remove_container(c.id)
            with contextlib.suppress(Exception):
                docker.remove_service(f"pixel-{slug}")


@pytest.fixture
def ssh_env(ssh_host, monkeypatch: pytest.MonkeyPatch):
    """Trust the test sshd's key and use its client key, without touching ~/.ssh."""
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(ssh_host.known_hosts))
    if ssh_host.config_path:
        monkeypatch.setenv("PIXEL_SSH_CONFIG", str(ssh_host.config_path))
    return ssh_host
