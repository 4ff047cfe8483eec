"""Talking to Docker does not run ``invoke`` (paramiko's helper for ``Match exec`` lines) at
start-up, and paramiko still finds it, complete, when a config line needs it.
(Import checks run in a fresh interpreter; no timing is asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys

from pixel_desktop.docker.deferred_imports import defer


def _fresh(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_docker_client_does_not_run_invoke_until_paramiko_uses_it() -> None:
    report = _fresh(
        "import json, sys\n"
        "import pixel_desktop.docker.client\n"
        "before = {'ran': type(sys.modules['invoke']).__name__ == 'module',\n"
        "          'mock': 'unittest.mock' in sys.modules}\n"
        "import paramiko.config\n"
        "run = paramiko.config.invoke.run\n"
        "from invoke.exceptions import Failure\n"
        "print(json.dumps({'before': before, 'run': callable(run),\n"
        "                  'same': paramiko.config.invoke is sys.modules['invoke'],\n"
        "                  'failure': Failure.__module__}))\n"
    )
    assert report["before"] == {"ran": False, "mock": False}
    assert report["run"] and report["same"]
    assert report["failure"] == "invoke.exceptions"


def test_a_module_already_imported_or_absent_is_left_alone() -> None:
    assert defer("json") is False  # imported long ago by pytest
    assert defer("no_such_module_for_pixel") is False
    assert defer("os.path") is False
