"""`pixel build`, `pixel builds ...` and `pixel registries ...` as a user runs them (subprocesses).

Separate processes matter here: `--json` must keep stdout to exactly one JSON object, Ctrl-C
must cancel cleanly, and `pixel builds cancel` must reach a build running in another process.
"""

from __future__ import annotations

import json
import re
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_build_helpers import (
    import_spec,
    make_slow_templates,
    no_container_with,
    pixel,
    ran_on_server,
    start_until,
)

from pixel_desktop import paths
from pixel_desktop.build.registry_api import RegistryAPI
from pixel_desktop.errors import RegistryError

pytestmark = [pytest.mark.docker, pytest.mark.slow]
RESULT_KEYS = {
    "build_id",
    "status",
    "image",
    "image_id",
    "size_bytes",
    "pushed_ref",
    "digest",
    "duration_s",
    "phases",
    "error",
}


@pytest.fixture
def slow_templates(tmp_path: Path) -> tuple[Path, str]:
    return make_slow_templates(tmp_path)


@pytest.fixture
def env(docker_host: str, base_image: str) -> dict[str, str]:
    return {"DOCKER_HOST": docker_host, "PIXEL_BASE_IMAGE": base_image}


@pytest.fixture(params=["in-process", "build-server"])
def build_env(request: pytest.FixtureRequest, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """``env`` for a `pixel build` that runs in its own process, or on the build server (the
    default outside tests: README, "The build server"); the server is stopped afterwards."""
    if request.param == "in-process":
        yield env
        return
    on = {**env, "PIXEL_BUILD_SERVER": "on", "PIXEL_BUILD_SERVER_IDLE_S": "120"}
    try:
        yield on
    finally:
        pixel("build-server", "stop", env=on)


def test_build_json_prints_exactly_one_result_object_and_logs_to_stderr(
    tmp_path: Path, build_env: dict[str, str]
) -> None:
    slug = import_spec(tmp_path)
    result = pixel("build", slug, "--json", env=build_env)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert set(data) == RESULT_KEYS
    assert data["status"] == "completed" and data["error"] is None
    # The repository carries the store's id (build/image_names.py).
    assert re.fullmatch(rf"pixel/s[0-9a-f]{{8}}/acme-corp/{slug}:b{data['build_id']}", data["image"])
    assert data["image_id"].startswith("sha256:") and data["size_bytes"] > 0
    assert set(data["phases"]) == {"generating", "building", "testing"}
    assert "Step 1/" in result.stderr and "test 1/" in result.stderr
    assert ran_on_server(build_env, data["build_id"], slug)

    listed = json.loads(pixel("builds", "list", slug, "--json").stdout)
    assert [b["id"] for b in listed] == [data["build_id"]]
    shown = pixel("builds", "show", str(data["build_id"]), "--logs")
    assert shown.returncode == 0 and "Step 1/" in shown.stdout and "COMPLETED" in shown.stdout


def test_failing_conversation_test_fails_with_question_expected_and_reply(
    tmp_path: Path, env: dict[str, str]
) -> None:
    slug = import_spec(
        tmp_path,
        slug="strict-bot",
        name="Strict Bot",
        tests=[{"ask": "How do I reset my password?", "expect_contains": ["zebra-unicorn-42"]}],
    )
    result = pixel("build", slug, "--json", env=env)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert "How do I reset my password?" in data["error"]
    assert "zebra-unicorn-42" in data["error"]
    assert "Forgot password" in data["error"]  # the actual reply is quoted


@pytest.mark.registry
def test_failing_conversation_test_blocks_push_and_nothing_reaches_the_registry(
    tmp_path: Path, env: dict[str, str], registry, secret_service: object
) -> None:
    """A build whose conversation test fails must never publish its image: --push is the step
    that makes a broken assistant deployable by others. Proven against the real registry (the
    tag and the repository are absent), not by the phases the build reports about itself."""
    add = pixel(
        "registries",
        "add",
        "gate",
        "--url",
        registry.address,
        "--username",
        registry.username,
        "--password-stdin",
        stdin=registry.password + "\n",
    )
    assert add.returncode == 0, add.stderr
    slug = f"unpushed-{uuid.uuid4().hex[:8]}"  # a repository no earlier run can have created
    try:
        import_spec(
            tmp_path,
            slug=slug,
            name="Unpushed Bot",
            tests=[{"ask": "How do I reset my password?", "expect_contains": ["zebra-unicorn-42"]}],
        )
        result = pixel("build", slug, "--json", "--push", "gate", env=env)
    finally:
        pixel("registries", "remove", "gate")
    assert result.returncode == 1, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert data["status"] == "failed" and "zebra-unicorn-42" in data["error"]
    assert "testing" in data["phases"] and "pushing" not in data["phases"]
    assert data["pushed_ref"] is None and data["digest"] is None
    repository = f"acme-corp/{slug}"
    api = RegistryAPI(registry.address, registry.username, registry.password)
    with pytest.raises(RegistryError) as missing:
        api.manifest_digest(repository, f"b{data['build_id']}")
    assert missing.value.kind == "not_found"
    tags = httpx.get(
        f"{registry.url}/v2/{repository}/tags/list",
        auth=(registry.username, registry.password),
        timeout=15,
    )
    assert tags.status_code == 404, f"the registry holds {repository}: {tags.text}"


def test_unreachable_daemon_fails_with_one_sentence_naming_the_host(
    tmp_path: Path, env: dict[str, str]
) -> None:
    slug = import_spec(tmp_path)
    host = f"unix://{tmp_path}/no-docker.sock"
    result = pixel("build", slug, "--json", env={**env, "DOCKER_HOST": host}, timeout=60)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert data["error"].startswith(f"Cannot reach the Docker daemon at {host}")


def test_ctrl_c_cancels_the_build_cleanly(
    tmp_path: Path, build_env: dict[str, str], slow_templates: tuple[Path, str]
) -> None:
    templates, marker = slow_templates
    slug = import_spec(tmp_path, slug="ctrlc-bot", name="CtrlC Bot")
    proc, captured, threads = start_until(
        ["build", slug], {**build_env, "PIXEL_TEMPLATES_DIR": str(templates)}, marker, "stdout"
    )
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 1
    assert time.monotonic() - t0 < 10
    for t in threads:
        t.join(timeout=5)
    assert "cancelled" in "".join(captured["stderr"])
    assert no_container_with(build_env["DOCKER_HOST"], marker)
    listed = json.loads(pixel("builds", "list", slug, "--json").stdout)
    assert listed[0]["status"] == "cancelled"
    assert ran_on_server(build_env, listed[0]["id"], slug)


def test_builds_cancel_from_another_process_stops_the_running_build(
    tmp_path: Path, build_env: dict[str, str], slow_templates: tuple[Path, str]
) -> None:
    templates, marker = slow_templates
    slug = import_spec(tmp_path, slug="remote-cancel-bot", name="Remote Cancel Bot")
    proc, captured, threads = start_until(
        ["build", slug, "--json"], {**build_env, "PIXEL_TEMPLATES_DIR": str(templates)}, marker, "stderr"
    )
    build_id = json.loads(pixel("builds", "list", slug, "--json").stdout)[0]["id"]
    t0 = time.monotonic()
    cancel = pixel("builds", "cancel", str(build_id))
    assert cancel.returncode == 0, cancel.stderr
    assert proc.wait(timeout=30) == 1
    assert time.monotonic() - t0 < 5
    for t in threads:
        t.join(timeout=5)
    data = json.loads("".join(captured["stdout"]))
    assert data["status"] == "cancelled"
    assert ran_on_server(build_env, build_id, slug)
    assert no_container_with(build_env["DOCKER_HOST"], marker)
    again = pixel("builds", "cancel", str(build_id))
    assert again.returncode == 2 and "already finished" in again.stderr


@pytest.mark.registry
def test_registries_add_list_check_remove(registry, secret_service: object) -> None:
    add = pixel(
        "registries",
        "add",
        "team",
        "--url",
        registry.address,
        "--username",
        registry.username,
        "--password-stdin",
        stdin=registry.password + "\n",
    )
    assert add.returncode == 0, add.stderr
    listed = json.loads(pixel("registries", "list", "--json").stdout)
    assert listed == [
        {
            "name": "team",
            "url": registry.address,
            "username": registry.username,
            "insecure": False,
            "password_stored": True,
        }
    ]
    check = pixel("registries", "check", "team")
    assert check.returncode == 0 and check.stdout.startswith("OK")
    assert registry.password not in (paths.database_file().read_bytes().decode("latin-1"))

    wrong = pixel(
        "registries",
        "add",
        "wrong",
        "--url",
        registry.address,
        "--username",
        registry.username,
        "--password-stdin",
        stdin="not-the-password\n",
    )
    assert wrong.returncode == 0
    bad = pixel("registries", "check", "wrong")
    assert bad.returncode == 1 and "unauthorized" in bad.stdout

    for name in ("team", "wrong"):
        assert pixel("registries", "remove", name).returncode == 0
    assert json.loads(pixel("registries", "list", "--json").stdout) == []
    from pixel_desktop.secrets import SecretStore

    assert SecretStore().get_registry_password("team", registry.username) is None


def test_registries_add_refuses_bad_addresses() -> None:
    result = pixel("registries", "add", "x", "--url", "https://host/path; rm -rf /")
    assert result.returncode == 2 and "HOST[:PORT]" in result.stderr
