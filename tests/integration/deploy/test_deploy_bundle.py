"""The handover bundle, end to end: after removing the images locally, `docker load` of the
bundle's images.tar and `docker-compose up -d` in the unpacked folder serve the assistant
through nginx with no registry involved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from deploy_helpers import add_build, free_port, make_project, unique_slug
from services import unavailable

from pixel_desktop.cli.main import main as pixel
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.images import split_ref

pytestmark = [pytest.mark.docker, pytest.mark.slow]

NGINX_CONF = """\
worker_processes 1;
error_log stderr;
pid /run/nginx.pid;
events {}
http {
    include /etc/nginx/mime.types;
    access_log off;
    include /etc/nginx/conf.d/*.conf;
}
"""


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        unavailable(tool, "not installed (a Debian package of the test services)")
    return path


@pytest.fixture(scope="session")
def local_nginx_image(docker_host: str, base_image: str) -> str:
    """No registry is reachable here, so an nginx image is made from the host's Debian nginx
    (same bookworm as the base image) — test-only; clients get a real nginx image."""
    nginx = _require("nginx")
    tag = "pixel-deploytest/nginx:local"
    with DockerClient(docker_host) as docker, tempfile.TemporaryDirectory() as tmp:
        if docker.image_exists(tag):
            return tag
        ctx = Path(tmp)
        shutil.copy(nginx, ctx / "nginx")
        shutil.copy("/etc/nginx/mime.types", ctx / "mime.types")
        (ctx / "nginx.conf").write_text(NGINX_CONF, encoding="utf-8")
        (ctx / "Dockerfile").write_text(
            f"FROM {base_image}\n"
            "COPY nginx /usr/sbin/nginx\n"
            "COPY nginx.conf mime.types /etc/nginx/\n"
            "RUN mkdir -p /etc/nginx/conf.d /var/lib/nginx/body /var/log/nginx /run\n"
            'CMD ["/usr/sbin/nginx", "-g", "daemon off;"]\n',
            encoding="utf-8",
        )
        docker.build(ctx, tag)
    return tag


def test_bundle_loads_and_runs_offline_behind_nginx(
    store, standins, docker_host, local_nginx_image, tmp_path, capsys
) -> None:
    compose = _require("docker-compose")
    slug = unique_slug("deploy-bundle")
    port = free_port()
    project = make_project(store, slug, port, secret_env=["PIXEL_TEST_TOKEN"])
    image = f"pixel-deploytest/bundle:{uuid.uuid4().hex[:10]}"
    with DockerClient(docker_host) as docker:
        docker.tag(standins.good, *split_ref(image))
    build = add_build(store, project.id, image)
    out = tmp_path / "handover.tar.gz"

    code = pixel(
        [
            "bundle",
            slug,
            "-o",
            str(out),
            "--build",
            str(build.id),
            "--nginx-image",
            local_nginx_image,
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["nginx_included"] is True
    with tarfile.open(out) as tar:
        names = tar.getnames()
        assert names == [
            f"{slug}/.env.example",
            f"{slug}/README.md",
            f"{slug}/docker-compose.yml",
            f"{slug}/k8s.yaml",
            f"{slug}/nginx.conf",
            f"{slug}/images.tar",
        ]
        tar.extractall(tmp_path / "unpacked", filter="data")
    folder = tmp_path / "unpacked" / slug
    env_example = (folder / ".env.example").read_text(encoding="utf-8")
    assert "PIXEL_TEST_TOKEN=\n" in env_example
    compose_data = yaml.safe_load((folder / "docker-compose.yml").read_text(encoding="utf-8"))
    assert compose_data["services"]["assistant"]["image"] == image

    with DockerClient(docker_host) as docker:  # the offline machine has neither image
        docker.remove_image(image)
        docker.remove_image(local_nginx_image)
        assert not docker.image_exists(image)
    subprocess.run(
        ["docker", "-H", docker_host, "load", "-i", str(folder / "images.tar")],
        check=True,
        timeout=300,
    )
    http_port = free_port()
    (folder / ".env").write_text(f"HTTP_PORT={http_port}\nPIXEL_TEST_TOKEN=abc\n", encoding="utf-8")
    env = {**os.environ, "DOCKER_HOST": docker_host}
    project_name = f"pxbundle{uuid.uuid4().hex[:6]}"
    run = [compose, "-p", project_name]
    subprocess.run([*run, "config", "-q"], cwd=folder, env=env, check=True, timeout=60)
    try:
        subprocess.run([*run, "up", "-d"], cwd=folder, env=env, check=True, timeout=180)
        deadline = time.monotonic() + 60
        reply = None
        while time.monotonic() < deadline:
            try:
                r = httpx.post(
                    f"http://127.0.0.1:{http_port}/chat", json={"message": "offline?"}, timeout=5
                )
                if r.status_code == 200:
                    reply = r.json()["reply"]
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert reply == "v1: offline?"
    finally:
        subprocess.run([*run, "down", "-v", "--remove-orphans"], cwd=folder, env=env, timeout=120)
        with DockerClient(docker_host) as docker:
            docker.remove_image(image)
