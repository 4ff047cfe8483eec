"""Helpers shared by the deploy integration tests (a unique module name: other test folders
have their own conftest.py, so tests import these from here, not from conftest)."""

from __future__ import annotations

import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from pixel_desktop.docker.client import DockerClient
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


def build_standin(docker: DockerClient, base_image: str, tag: str, mode: str, version: str) -> str:
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
        docker.build(ctx, tag)
    return tag


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return int(s.getsockname()[1])


def make_project(store: Store, slug: str, port: int, secret_env: list[str] | None = None):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = slug
    data["name"] = f"Deploy test {slug}"
    dep = data.setdefault("deployment", {})
    dep["port"] = port
    dep["env_vars"] = {"LOG_LEVEL": "info"}  # PORT comes from deployment.port
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


def unique_slug(prefix: str) -> str:
    """Slugs (hence container/service names) unique per run: two test runs may share the daemon."""
    import uuid

    return f"{prefix}-{uuid.uuid4().hex[:6]}"
