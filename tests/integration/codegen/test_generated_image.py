"""The generated Dockerfile against the real daemon: build, run, health, size, layer cache,
for both retrieval modes; and the semantic image's embeddings against sentence-transformers.

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

import numpy as np
import pytest

from pixel_desktop.build.wheelhouse import TargetPython
from pixel_desktop.codegen import render_project, requirements_for, write_build_context
from pixel_desktop.spec import ProjectSpec

LEXICAL_MAX_OVER_BASE = 60 * 1024 * 1024
SEMANTIC_MAX_OVER_BASE = 150 * 1024 * 1024
REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "minilm_reference.json"


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
    # The local base image is Debian bookworm: CPython 3.11 on glibc 2.36.
    target = TargetPython(3, 11, "cpython", platform.machine(), "glibc", "2.36")
    platforms = [arg for tag in target.platforms for arg in ("--platform", tag)]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                    "--only-binary=:all:", "--no-deps", "--implementation", "cp", "--python-version", "3.11",
                    *platforms, "-r", str(req), "-d", str(dest / "wheels")], check=True, timeout=600)
    return dest / "wheels"


def _layers(docker_host: str, image: str) -> list[str]:
    return json.loads(_docker(docker_host, "image", "inspect", "-f", "{{json .RootFS.Layers}}", image))


def _with(spec: ProjectSpec, **changes) -> ProjectSpec:
    data = spec.model_dump()
    for dotted, value in changes.items():
        target = data
        *parents, leaf = dotted.split("__")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[leaf] = value
    return ProjectSpec.model_validate(data)


def _wait_healthy(docker_host: str, container: str, ceiling_s: float = 120) -> None:
    deadline = time.monotonic() + ceiling_s  # hard ceiling against a hang, not a timing assert
    status = ""
    while time.monotonic() < deadline:
        status = _docker(docker_host, "inspect", "-f", "{{.State.Health.Status}}", container)
        if status in ("healthy", "unhealthy"):
            break
        time.sleep(1)
    assert status == "healthy", _docker(docker_host, "logs", container)


def _chat(docker_host: str, container: str, message: str) -> dict:
    host_port = _docker(docker_host, "port", container, "8000/tcp").splitlines()[0].rsplit(":", 1)[1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{host_port}/chat", method="POST",
        data=json.dumps({"message": message}).encode(), headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _size_over_base(docker_host: str, image: str, base_image: str) -> int:
    size = int(_docker(docker_host, "image", "inspect", "-f", "{{.Size}}", image))
    return size - int(_docker(docker_host, "image", "inspect", "-f", "{{.Size}}", base_image))


def _remove(docker_host: str, *refs: str) -> None:
    for ref in refs:
        subprocess.run(["docker", "rm" if len(ref) == 64 else "rmi", "-f", ref], capture_output=True,
                       check=False, env={**os.environ, "DOCKER_HOST": docker_host}, timeout=120)


@pytest.mark.docker
@pytest.mark.slow
def test_lexical_image_builds_runs_healthy_as_non_root_small_and_data_edit_rebuilds_last_layer(
    docker_host, base_image, acme_spec, tmp_path
):
    tag = f"pixel-codegen-test-{uuid.uuid4().hex[:8]}"
    spec = _with(acme_spec, retrieval="lexical")
    wheels = _wheels(spec, base_image, tmp_path / "wheelhouse")
    container = None
    try:
        _docker(docker_host, "build", "-q", "-t", f"{tag}:one", str(_context(spec, base_image, tmp_path / "ctx1", wheels)))
        over = _size_over_base(docker_host, f"{tag}:one", base_image)
        assert over < LEXICAL_MAX_OVER_BASE, f"image adds {over / 1e6:.1f} MB"
        container = _docker(docker_host, "run", "-d", "-p", "127.0.0.1::8000", f"{tag}:one")
        _wait_healthy(docker_host, container)
        assert _docker(docker_host, "exec", container, "id", "-u") == "10001"
        assert "business days" in _chat(docker_host, container, "How long does shipping take?")["reply"]

        edited = _with(spec, training_data__faq__0__answer="Changed answer for the cache test.",
                       personality__system_prompt="A different prompt.")
        _docker(docker_host, "build", "-q", "-t", f"{tag}:two", str(_context(edited, base_image, tmp_path / "ctx2", wheels)))
        one, two = _layers(docker_host, f"{tag}:one"), _layers(docker_host, f"{tag}:two")
        assert len(one) == len(two)
        assert one[:-1] == two[:-1], "only the assistant-data layer may change"
        assert one[-1] != two[-1]
    finally:
        _remove(docker_host, *([container] if container else []), f"{tag}:one", f"{tag}:two")


@pytest.mark.docker
@pytest.mark.slow
def test_semantic_image_builds_offline_matches_reference_embeddings_and_caches_its_layers(
    docker_host, base_image, acme_spec, tmp_path
):
    """One image, built with no network at all (--network none: everything comes from the
    wheels in the context), checked for size, parity with sentence-transformers computed
    inside it, answers by meaning, and which layers an FAQ edit and a prompt edit rebuild."""
    tag = f"pixel-codegen-test-{uuid.uuid4().hex[:8]}"
    wheels = _wheels(acme_spec, base_image, tmp_path / "wheelhouse")
    container = None
    try:
        _docker(docker_host, "build", "-q", "--network", "none", "-t", f"{tag}:one",
                str(_context(acme_spec, base_image, tmp_path / "ctx1", wheels)))
        over = _size_over_base(docker_host, f"{tag}:one", base_image)
        assert over < SEMANTIC_MAX_OVER_BASE, f"image adds {over / 1e6:.1f} MB"

        reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
        env = {**os.environ, "DOCKER_HOST": docker_host}
        proc = subprocess.run(["docker", "run", "--rm", "-i", "--network", "none", f"{tag}:one",
                               "python", "-m", "assistant.embedding", "encode"],
                              input=json.dumps(reference["sentences"]), capture_output=True, text=True,
                              env=env, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        got = np.array(json.loads(proc.stdout))
        expected = np.array(reference["embeddings"])
        cosines = (got * expected).sum(1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(expected, axis=1))
        assert len(cosines) == 200 and cosines.min() >= 0.99, reference["sentences"][int(cosines.argmin())]

        container = _docker(docker_host, "run", "-d", "-p", "127.0.0.1::8000", f"{tag}:one")
        _wait_healthy(docker_host, container)
        reply = _chat(docker_host, container, "Do you deliver abroad?")  # FAQ: "Do you ship internationally?"
        assert reply["sources"][0]["title"] == "Do you ship internationally?", reply
        assert "off-topic" not in reply["reply"] and "42 countries" in reply["reply"]

        faq_edit = _with(acme_spec, training_data__faq__0__answer="Changed answer for the cache test.")
        _docker(docker_host, "build", "-q", "-t", f"{tag}:faq", str(_context(faq_edit, base_image, tmp_path / "ctx2", wheels)))
        prompt_edit = _with(acme_spec, personality__system_prompt="A different prompt.")
        _docker(docker_host, "build", "-q", "-t", f"{tag}:prompt", str(_context(prompt_edit, base_image, tmp_path / "ctx3", wheels)))
        one, faq, prompt = (_layers(docker_host, f"{tag}:{t}") for t in ("one", "faq", "prompt"))
        assert len(one) == len(faq) == len(prompt)
        # ... venv, model, code | knowledge.json, its index | assistant.json
        assert one[:-3] == faq[:-3] and all(a != b for a, b in zip(one[-3:], faq[-3:], strict=True)), \
            "an FAQ edit rebuilds the knowledge, its index and the data file, nothing below"
        assert one[:-1] == prompt[:-1] and one[-1] != prompt[-1], "a prompt edit rebuilds only the last layer"
    finally:
        _remove(docker_host, *([container] if container else []), f"{tag}:one", f"{tag}:faq", f"{tag}:prompt")
