"""`pixel build --push REG` checks the registry first: a wrong password (real registry, real
keyring) is refused in seconds, in one sentence, with no build queued or recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

pytestmark = [pytest.mark.registry]
PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]


def pixel(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PIXEL, *args], input=stdin, capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def test_build_and_push_with_a_wrong_password_is_refused_before_the_build_starts(
    registry, secret_service
) -> None:
    assert pixel("projects", "import", "--sample").returncode == 0
    add = pixel(
        "registries", "add", "wrong-pw", "--url", registry.address, "--username", registry.username,
        "--password-stdin", "--insecure", stdin="not-the-password\n",
    )
    assert add.returncode == 0, add.stderr
    try:
        started = time.monotonic()
        result = pixel("build", "acme-support-bot", "--push", "wrong-pw")
        elapsed = time.monotonic() - started

        assert result.returncode == 1, result.stderr
        (line,) = result.stderr.strip().splitlines()  # one line, no traceback
        assert line.startswith("pixel: Not building, the push to wrong-pw would fail: registry "), line
        assert line.count(". ") == 0, f"one sentence: {line}"
        assert "unauthorized" in line and "pixel registries" in line
        assert elapsed < 30, f"refused after {elapsed:.1f} s: the check takes seconds"
        listed = pixel("builds", "list", "--json")
        assert listed.returncode == 0 and json.loads(listed.stdout) == []
    finally:
        pixel("registries", "remove", "wrong-pw")


def test_the_app_refuses_the_push_check_before_queueing(tmp_path, registry, secret_service) -> None:
    """The same rule in the app layer, which the GUI and `pixel serve` call too."""
    from pixel_desktop.app import App
    from pixel_desktop.app.builds import PushRefusedError
    from pixel_desktop.settings import Settings

    app = App(f"sqlite:///{tmp_path / 'pixel.db'}", Settings(), create_store=True)
    try:
        app.projects.import_sample()
        app.registries.add(
            "wrong-pw", registry.address, username=registry.username,
            password="not-the-password", insecure=True,
        )
        with pytest.raises(PushRefusedError) as err:
            app.builds.submit("acme-support-bot", push_registry="wrong-pw")
        assert err.value.kind == "unauthorized" and err.value.registry == "wrong-pw"
        assert app.builds.list() == []
        assert app.builds.counts().as_dict() == {"queued": 0, "running": 0}
        app.registries.remove("wrong-pw")
    finally:
        app.close()
