"""The generated Dockerfile against the real daemon: build, run, health, size, layer cache.

Uses the local debootstrap base image (``base_image`` fixture, PIXEL_BASE_IMAGE) and the
docker CLI; wheels are downloaded on the host with --no-deps like the engine's wheelhouse.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from pixel_desktop.codegen import render_project, requirements_for, write_build_context
from pixel_desktop.spec import ProjectSpec

MAX_OVER_BASE_BYTES = 60 * 1024 * 1024


def _docker(docker_host: str, *args: str, timeout: int = 600) -> str:
    env = {**os.environ, "DOCKER_HOST": docker_host, "DOCKER_BUILDKIT": "0"}
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)
    assert proc.returncode == 0, f"docker {' '.join(args)}: {proc.stderr[-2000:]}"
    return proc.stdout.strip()


def _context(spec: ProjectSpec, base_image: str, dest: Path, wheels: Path) -> Path:
    files = render_project(spec, "faq-assistant", base_image=base_image)
    write_build_context(files, dest)
    for wheel in wheels.glob("*.whl"):
        shutil.copy2(wheel, dest / "wheels" / wheel.name)
    return dest


def _wheels(spec: ProjectSpec, base_image: str, dest: Path) -> Path:
    req = dest / "requirements.txt"
    dest.mkdir(parents=True, exist_ok=True)
    req.write_text(requirements_for(render_project(spec, base_image=base_image)), encoding="utf-8")
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine())
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                    "--only-binary=:all:", "--no-deps", "--implementation", "cp", "--python-version", "3.11",
                    "--platform", f"manylinux2014_{arch}", "--platform", f"manylinux_2_17_{arch}",
                    "-r", str(req), "-d", str(dest / "wheels")], check=True, timeout=600)
    return dest / "wheels"


def _layers(docker_host: str, image: str) -> list[str]:
    return json.loads(_docker(docker_host, "image", "inspect", "-f", "{{json .RootFS.Layers}}", image))


@pytest.mark.docker
@pytest.mark.slow
def test_image_builds_runs_healthy_as_non_root_small_and_data_edit_rebuilds_last_layer(
    docker_host, base_image, acme_spec, tmp_path
):
    tag = f"pixel-codegen-test-{uuid.uuid4().hex[:8]}"
    wheels = _wheels(acme_spec, base_image, tmp_path / "wheelhouse")
    first = _context(acme_spec, base_image, tmp_path / "ctx1", wheels)
    container = None
    try:
        _docker(docker_host, "build", "-q", "-t", f"{tag}:one", str(first))
        size = int(_docker(docker_host, "image", "inspect", "-f", "{{.Size}}", f"{tag}:one"))
        base_size = int(_docker(docker_host, "image", "inspect", "-f", "{{.Size}}", base_image))
        assert size - base_size < MAX_OVER_BASE_BYTES, f"image adds {(size - base_size) / 1e6:.1f} MB"

        container = _docker(docker_host, "run", "-d", "-p", "127.0.0.1::8000", f"{tag}:one")
        host_port = _docker(docker_host, "port", container, "8000/tcp").splitlines()[0].rsplit(":", 1)[1]
        deadline = time.monotonic() + 90  # hard ceiling against a hang, not a timing assert
        status = ""
        while time.monotonic() < deadline:
            status = _docker(docker_host, "inspect", "-f", "{{.State.Health.Status}}", container)
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(1)
        assert status == "healthy", _docker(docker_host, "logs", container)
        assert _docker(docker_host, "exec", container, "id", "-u") == "10001"
        request = urllib.request.Request(
            f"http://127.0.0.1:{host_port}/chat", method="POST",
            data=json.dumps({"message": "How long will delivery take?"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
        assert "business days" in body["reply"]

        data = acme_spec.model_dump()
        data["training_data"]["faq"][0]["answer"] = "Changed answer for the cache test."
        data["personality"]["system_prompt"] = "A different prompt."
        second = _context(ProjectSpec.model_validate(data), base_image, tmp_path / "ctx2", wheels)
        _docker(docker_host, "build", "-q", "-t", f"{tag}:two", str(second))
        one, two = _layers(docker_host, f"{tag}:one"), _layers(docker_host, f"{tag}:two")
        assert len(one) == len(two)
        assert one[:-1] == two[:-1], "only the assistant-data layer may change"
        assert one[-1] != two[-1]
    finally:
        if container:
            _docker(docker_host, "rm", "-f", container)
        for suffix in ("one", "two"):
            subprocess.run(["docker", "rmi", "-f", f"{tag}:{suffix}"], capture_output=True, check=False,
                           env={**os.environ, "DOCKER_HOST": docker_host}, timeout=120)
