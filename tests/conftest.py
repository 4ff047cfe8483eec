"""Fixtures shared by every test: isolation of the app's data, and the real test services.

Service fixtures read what scripts/test-services.sh exported (see tests/services.py). Each
skips with a reason when its service is missing locally and fails the test under CI=true.

- ``docker_host``: Docker daemon URL (unix socket) that answers a ping.
- ``base_image``: tag of the local Python 3.11 base image present in that daemon.
- ``registry``: ``Registry(address, username, password)``; htpasswd auth, plain http on 127.0.0.1.
- ``pg_url``: ``postgresql+psycopg://`` URL of a test database (its role may CREATE DATABASE).
- ``secret_service``: the ``keyring`` backend, set to the unlocked gnome-keyring Secret Service.
- ``ssh_host``: ``SshHost(host, port, user, key_path, known_hosts, ...)``; see ``client_env()``
  and ``docker_url`` to reach the daemon over ``ssh://``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/services.py must import as `services` whatever pytest's import mode or package layout.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import services
from services import Registry, SshHost

# GUI tests render offscreen unless the developer chose a platform (e.g. xcb under Xvfb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every `pixel build` a test runs builds in its own process, as the test's fakes and
# environment expect; the build server's tests turn it on for their own builds
# (tests/integration/build/test_build_server_live.py and the CLI tests parametrized over both).
os.environ["PIXEL_BUILD_SERVER"] = "off"


@pytest.fixture(autouse=True)
def pixel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own PIXEL_HOME (database, settings, logs) and the default store."""
    home = tmp_path / "pixel-home"
    home.mkdir()
    monkeypatch.setenv("PIXEL_HOME", str(home))
    monkeypatch.delenv("PIXEL_STORE_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def docker_host() -> str:
    return services.require_docker()


@pytest.fixture(scope="session")
def base_image(docker_host: str) -> str:
    return services.require_base_image(docker_host)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return services.require_registry()


@pytest.fixture(scope="session")
def pg_url() -> str:
    return services.require_postgres()


@pytest.fixture(scope="session")
def _secret_service_up() -> None:
    services.require_secret_service()


@pytest.fixture
def secret_service(_secret_service_up: None) -> Iterator[object]:
    """Make the Secret Service the active keyring backend for this test, whatever another
    test set before, and restore the previous backend afterwards."""
    import keyring
    from keyring.backends import SecretService

    previous = keyring.get_keyring()
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def ssh_host() -> SshHost:
    return services.require_ssh()
