"""`pixel` run as a user runs it, for the CLI build tests (in-process and build-server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from services import docker_cli

from pixel_desktop import paths
from pixel_desktop.spec import dump_spec, load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]
CEILING_S = 600


def pixel(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = CEILING_S,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PIXEL, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def import_spec(tmp_path: Path, **changes: Any) -> str:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    data.update(changes)
    spec = spec_from_data(data)
    file = tmp_path / f"{uuid.uuid4().hex[:6]}.yaml"
    file.write_text(dump_spec(spec), encoding="utf-8")
    result = pixel("projects", "import", str(file))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def make_slow_templates(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the template sets whose Dockerfile has a 120 s RUN step."""
    templates = tmp_path / "templates"
    shutil.copytree(paths.templates_root(), templates)
    marker = f"pixel-long-step-{uuid.uuid4().hex[:8]}"
    dockerfile = templates / "_common" / "Dockerfile.j2"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "WORKDIR /app", f"RUN echo {marker} && sleep 120\n\nWORKDIR /app", 1
        )
    )
    return templates, marker


def start_until(args: list[str], env: dict[str, str], marker: str, stream: str):
    proc = subprocess.Popen(
        [*PIXEL, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    seen = threading.Event()
    captured: dict[str, list[str]] = {"stdout": [], "stderr": []}

    def pump(name: str) -> None:
        for line in getattr(proc, name):
            captured[name].append(line)
            if name == stream and line.strip() == marker:
                seen.set()

    threads = [threading.Thread(target=pump, args=(n,), daemon=True) for n in captured]
    for t in threads:
        t.start()
    assert seen.wait(CEILING_S), "".join(captured["stderr"])[-2000:]
    return proc, captured, threads


def no_container_with(docker_host: str, marker: str) -> bool:
    """No container on the test daemon runs a command with ``marker`` (within 5 s)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ps = docker_cli(docker_host, "ps", "-a", "--no-trunc", "--format", "{{.Command}}").stdout
        if marker not in ps:
            return True
        time.sleep(0.2)
    return False


def ran_on_server(env: dict[str, str], build_id: int, slug: str) -> bool:
    """For a `pixel build` run with ``env``: True when the build server ran it (its log
    names each build it took), or when the server was off for it (nothing to prove)."""
    if env.get("PIXEL_BUILD_SERVER", os.environ.get("PIXEL_BUILD_SERVER")) == "off":
        return True
    log = paths.logs_dir() / "build-server.log"
    return log.exists() and f"build {build_id} of {slug}: accepted for a client" in log.read_text(encoding="utf-8")
