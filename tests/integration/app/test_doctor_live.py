"""`pixel doctor` against the real services: the daemon, the base image, the keyring and the
test registry answer; a fresh data folder has a cold wheelhouse (what an offline demo lacks);
a wrong registry password and a missing base image are reported with their fixes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.keyring]
PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]


def pixel(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [*PIXEL, *args], input=stdin, capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


def _add_registry(name: str, registry, password: str) -> None:
    add = pixel(
        "registries", "add", name, "--url", registry.address, "--username", registry.username,
        "--password-stdin", "--insecure", stdin=password + "\n",
    )
    assert add.returncode == 0, add.stderr


def test_doctor_reports_each_service_and_what_an_offline_demo_still_needs(
    docker_host, base_image, registry, secret_service
) -> None:
    env = {"DOCKER_HOST": docker_host, "PIXEL_BASE_IMAGE": base_image}
    assert pixel("projects", "import", "--sample").returncode == 0
    _add_registry("good-reg", registry, registry.password)
    _add_registry("bad-reg", registry, "not-the-password")
    try:
        result = pixel("doctor", "--json", env=env)
    finally:
        pixel("registries", "remove", "good-reg")
        pixel("registries", "remove", "bad-reg")

    assert result.returncode == 1, result.stderr  # the cold wheelhouse and bad-reg are missing
    report = json.loads(result.stdout)
    checks = {(c["area"], c["subject"]): c for c in report["checks"]}
    assert checks[("docker", "daemon")]["ok"]
    assert checks[("base_image", base_image)]["ok"]
    assert next(c for (area, _), c in checks.items() if area == "keyring")["ok"]
    assert checks[("registry", "good-reg")]["ok"]
    bad = checks[("registry", "bad-reg")]
    assert not bad["ok"] and "unauthorized" in bad["detail"]
    assert bad["fix"] == "Fix the login in Settings › Registries, or: pixel registries check bad-reg"
    secrets = checks[("secrets", "acme-support-bot")]
    assert secrets["ok"] and "LLM_API_KEY unset, not read by the service" in secrets["detail"]
    wheels = checks[("wheelhouse", "acme-support-bot")]  # a fresh PIXEL_HOME: nothing cached
    assert not wheels["ok"] and wheels["offline_demo"]
    assert wheels["fix"] == "While online, build it once: pixel build acme-support-bot"
    assert report["offline_demo_ready"] is False and report["ok"] is False


def test_doctor_names_a_base_image_that_is_not_on_the_daemon_and_how_to_get_it(
    docker_host, secret_service
) -> None:
    missing = "pixel-doctor-test/never-pulled:1"
    result = pixel("doctor", env={"DOCKER_HOST": docker_host, "PIXEL_BASE_IMAGE": missing})

    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert f"FAIL base_image {missing}: {missing} is not on the daemon" in out
    assert f"fix: While online: docker pull {missing}." in out and "make-local-base-image.sh" in out
    assert "Offline demo: not ready, missing base_image" in out
    assert "Traceback" not in out + result.stderr
