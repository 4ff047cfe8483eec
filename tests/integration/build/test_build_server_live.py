"""The build server as a user meets it: `pixel build` starts it, hands it later builds,
and it follows the user's wishes (Ctrl-C and a killed terminal cancel, settings edits
are honoured, it goes away when idle or asked). Real processes, real Docker daemon.

The output, Ctrl-C and `pixel builds cancel` behaviours shared with in-process builds are
proved for both paths in test_build_cli_live.py (``build_env``).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_build_helpers import (
    import_spec,
    make_slow_templates,
    no_container_with,
    pixel,
    start_until,
)

from pixel_desktop import paths

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def on(docker_host: str, base_image: str) -> Iterator[dict[str, str]]:
    env = {
        "DOCKER_HOST": docker_host, "PIXEL_BASE_IMAGE": base_image,
        "PIXEL_BUILD_SERVER": "on", "PIXEL_BUILD_SERVER_IDLE_S": "120",
    }
    try:
        yield env
    finally:
        pixel("build-server", "stop", env=env)


def servers(env: dict[str, str]) -> list[list[str]]:
    """Rows of `pixel build-server status` (pid, started date, time, state words..., builds)."""
    out = pixel("build-server", "status", env=env).stdout
    return [line.split() for line in out.splitlines()[1:] if line.strip() and line.split()[0].isdigit()]


def server_log() -> str:
    path = paths.logs_dir() / "build-server.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture
def slow_templates(tmp_path: Path) -> tuple[Path, str]:
    return make_slow_templates(tmp_path)


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_the_first_build_starts_the_server_and_the_next_build_runs_on_it(
    tmp_path: Path, on: dict[str, str]
) -> None:
    slug = import_spec(tmp_path)
    assert servers(on) == []
    first = pixel("build", slug, "--json", "--no-test", env=on)
    assert first.returncode == 0, first.stderr[-3000:]
    [row] = servers(on)
    pid = row[0]
    assert "takes this shell's builds" in " ".join(row)
    second = pixel("build", slug, "--json", "--no-test", env=on)
    assert second.returncode == 0, second.stderr[-3000:]
    assert [r[0] for r in servers(on)] == [pid]  # the same process took the second build
    ids = [json.loads(r.stdout)["build_id"] for r in (first, second)]
    logged = server_log()
    for build_id in ids:
        assert f"build {build_id} of {slug}: accepted for a client" in logged
    assert "Step 1/" in second.stderr and json.loads(second.stdout)["status"] == "completed"


def test_a_killed_pixel_build_cancels_its_build_on_the_server(
    tmp_path: Path, on: dict[str, str], slow_templates: tuple[Path, str]
) -> None:
    templates, marker = slow_templates
    slug = import_spec(tmp_path, slug="killed-client-bot", name="Killed Client Bot")
    env = {**on, "PIXEL_TEMPLATES_DIR": str(templates)}
    proc, _captured, threads = start_until(["build", slug], env, marker, "stdout")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    for t in threads:
        t.join(timeout=5)

    def ended() -> bool:
        listed = json.loads(pixel("builds", "list", slug, "--json").stdout)
        return listed[0]["status"] == "cancelled"

    assert wait_for(ended, 30)
    assert no_container_with(on["DOCKER_HOST"], marker)
    pixel("build-server", "stop", env=env)


def test_a_settings_edit_gets_a_new_server_and_the_old_idle_one_exits(
    tmp_path: Path, on: dict[str, str]
) -> None:
    slug = import_spec(tmp_path)
    assert pixel("build", slug, "--json", "--no-test", env=on).returncode == 0
    [before] = servers(on)
    settings = paths.settings_file()
    data = json.loads(settings.read_text()) if settings.exists() else {}
    data["build_concurrency"] = 1
    settings.write_text(json.dumps(data), encoding="utf-8")
    assert "other settings, code or environment" in " ".join(servers(on)[0])
    result = pixel("build", slug, "--json", "--no-test", env=on)
    assert result.returncode == 0, result.stderr[-3000:]
    assert wait_for(lambda: not _alive(int(before[0])), 20)  # retired by the new one
    [after] = servers(on)
    assert after[0] != before[0] and "takes this shell's builds" in " ".join(after)
    assert f"build {json.loads(result.stdout)['build_id']} of {slug}: accepted for a client" in server_log()


def test_a_busy_old_server_finishes_its_build_then_exits(
    tmp_path: Path, on: dict[str, str], slow_templates: tuple[Path, str]
) -> None:
    templates, marker = slow_templates
    slug = import_spec(tmp_path, slug="busy-old-bot", name="Busy Old Bot")
    slow = {**on, "PIXEL_TEMPLATES_DIR": str(templates)}
    proc, captured, threads = start_until(["build", slug], slow, marker, "stdout")
    try:
        [busy] = servers(slow)
        other = import_spec(tmp_path)
        assert pixel("build", other, "--json", "--no-test", env=on).returncode == 0
        assert _alive(int(busy[0]))  # still building: retiring never cuts a build short
        assert "stopping (takes no new build)" in " ".join(servers(slow)[-1] if servers(slow) else [])
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 1
        for t in threads:
            t.join(timeout=5)
    assert "cancelled" in "".join(captured["stderr"])
    assert wait_for(lambda: not _alive(int(busy[0])), 30)  # and once it ended, it exited


def test_an_idle_server_exits_and_removes_its_socket(tmp_path: Path, on: dict[str, str]) -> None:
    env = {**on, "PIXEL_BUILD_SERVER_IDLE_S": "2"}
    slug = import_spec(tmp_path)
    assert pixel("build", slug, "--json", "--no-test", env=env).returncode == 0
    info = json.loads(next(Path(p) for p in _info_files()).read_text())
    assert wait_for(lambda: not Path(info["socket"]).exists(), 20)
    assert wait_for(lambda: not _alive(int(info["pid"])), 20)
    assert "exiting: idle for 2 s" in server_log()


def test_stop_ends_the_server_and_the_next_build_starts_a_new_one(
    tmp_path: Path, on: dict[str, str]
) -> None:
    slug = import_spec(tmp_path)
    assert pixel("build", slug, "--json", "--no-test", env=on).returncode == 0
    [row] = servers(on)
    stop = pixel("build-server", "stop", env=on)
    assert stop.returncode == 0 and f"Stopping build server {row[0]}." in stop.stdout
    assert wait_for(lambda: not _alive(int(row[0])), 20)
    assert servers(on) == []
    assert pixel("build", slug, "--json", "--no-test", env=on).returncode == 0
    [again] = servers(on)
    assert again[0] != row[0]


def test_with_the_server_off_pixel_build_starts_none(tmp_path: Path, on: dict[str, str]) -> None:
    off = {**on, "PIXEL_BUILD_SERVER": "off"}
    slug = import_spec(tmp_path)
    result = pixel("build", slug, "--json", "--no-test", env=off)
    assert result.returncode == 0, result.stderr[-3000:]
    assert servers(on) == []
    assert "is off" in pixel("build-server", "status", env=off).stdout


def _info_files() -> list[str]:
    from pixel_desktop.app.build_server import identity

    return [str(d["info_path"]) for d in identity.known_servers(str(paths.home()))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not a running server.
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True
