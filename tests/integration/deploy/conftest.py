"""Deploy integration fixtures: stand-in images, a store with a project and builds, ssh env.

The stand-in images are built once per session from the local base image (two tiny COPY
layers) so these tests do not depend on the full build pipeline; they behave like the
generated service where deploy cares: /health, /chat, the port from the spec.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pixel_desktop.engine.docker_deploy import DeployDocker
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

HERE = Path(__file__).parent
REPO = HERE.parents[2]
STANDIN_REPO = "pixel-deploytest/standin"


@dataclass(frozen=True)
class Standins:
    good: str
    good2: str
    bad: str


def _build(docker: DeployDocker, base_image: str, tag: str, mode: str, version: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp)
        (ctx / "server.py").write_bytes((HERE / "standin_server.py").read_bytes())
        (ctx / "Dockerfile").write_text(
            f"FROM {base_image}\n"
            f"ENV STANDIN_MODE={mode} STANDIN_VERSION={version}\n"
            "COPY server.py /srv/server.py\n"
            'CMD ["python3", "/srv/server.py"]\n',
            encoding="utf-8",
        )
        docker.build_context(ctx, tag)
    return tag


@pytest.fixture(scope="session")
def standins(docker_host: str, base_image: str) -> Standins:
    with DeployDocker(docker_host) as docker:
        return Standins(
            good=_build(docker, base_image, f"{STANDIN_REPO}:good", "good", "1"),
            good2=_build(docker, base_image, f"{STANDIN_REPO}:good2", "good", "2"),
            bad=_build(docker, base_image, f"{STANDIN_REPO}:bad", "bad", "3"),
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def store() -> Iterator[Store]:
    st = Store.open()
    yield st
    st.close()


def make_project(store: Store, slug: str, port: int, secret_env: list[str] | None = None):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = slug
    data["name"] = f"Deploy test {slug}"
    dep = data.setdefault("deployment", {})
    dep["port"] = port
    dep["env_vars"] = {"PORT": str(port), "LOG_LEVEL": "info"}
    dep["secret_env"] = list(secret_env or [])
    dep.pop("base_image", None)
    return store.projects.create(spec_from_data(data))


def add_build(
    store: Store,
    project_id: int,
    image: str,
    pushed_ref: str | None = None,
    registry: str | None = None,
):
    b = store.builds.create(project_id)
    return store.builds.set_status(
        b.id, "completed", image_name=image, pushed_ref=pushed_ref, registry_name=registry
    )


@pytest.fixture
def cleanup(docker_host: str) -> Iterator[list[str]]:
    """Slugs appended here get their containers and services removed after the test."""
    slugs: list[str] = []
    yield slugs
    with DeployDocker(docker_host) as docker:
        for slug in slugs:
            for c in docker.containers({"pixel.project": slug}):
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
