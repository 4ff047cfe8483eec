"""The build path imports only what a build needs: the container test's HTTP client (httpx)
and the OS keyring load when a build tests or pushes, not when the runner starts.
(Import checks run in a fresh interpreter; no timing is asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = ("httpx", "keyring")


def test_starting_the_local_runner_imports_neither_httpx_nor_keyring() -> None:
    code = (
        "import json, sys\n"
        "import pixel_desktop.jobs.local, pixel_desktop.build.pipeline\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({DEFERRED!r}))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_test_phase_and_the_push_still_find_their_modules() -> None:
    from pixel_desktop.build import registry_api, tester

    assert callable(tester.started_container) and callable(registry_api.RegistryAPI)
