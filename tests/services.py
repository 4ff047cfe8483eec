"""Coordinates of the real test services, read from the env that scripts/test-services.sh writes.

Each ``require_*`` function returns what a test needs, or ends the test: skipped locally
(the developer has not started that service) and failed under ``CI=true`` (a missing service
there is a broken run, never a silent skip). The probes are cheap and run once per session
from the fixtures in tests/conftest.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

START_HINT = (
    "start them with `bash scripts/test-services.sh .test-services/env` and load the env "
    "with `set -a; source .test-services/env; set +a` (`make test` does both)"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(service: str, why: str) -> NoReturn:
    """Skip locally; fail under CI=true, where every service must be up."""
    message = f"{service} unavailable: {why}; {START_HINT}"
    if in_ci():
        pytest.fail(f"{message} (under CI=true every test service is required)", pytrace=False)
    pytest.skip(message)


def env(service: str, *names: str) -> list[str]:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        unavailable(service, f"{', '.join(missing)} not set")
    return [os.environ[n] for n in names]


@dataclass(frozen=True)
class Registry:
    address: str  # host:port, as used in image references (127.0.0.1:5055/name:tag)
    username: str
    password: str

    @property
    def url(self) -> str:
        return f"http://{self.address}"


@dataclass(frozen=True)
class SshHost:
    """The test sshd. ``client_env()`` lets docker-py (paramiko or ssh binary) and the docker
    CLI reach it as ``docker_url`` without touching the user's ~/.ssh."""

    host: str
    port: int
    user: str
    key_path: Path
    known_hosts: Path
    config_path: Path | None = None  # OpenSSH config: ssh -F config_path pixel-test-sshd
    home: Path | None = None  # a HOME whose .ssh/ has config, known_hosts and the key
    bin_dir: Path | None = None  # holds an `ssh` wrapper that applies config_path

    @property
    def docker_url(self) -> str:
        return f"ssh://{self.user}@{self.host}:{self.port}"

    def client_env(self) -> dict[str, str]:
        """Env overrides to apply (e.g. with monkeypatch.setenv) before connecting over ssh."""
        overrides: dict[str, str] = {}
        if self.home:
            overrides["HOME"] = str(self.home)
        if self.bin_dir:
            overrides["PATH"] = f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        return overrides

    def identity_config(self, folder: Path) -> Path:
        """An ssh config (for PIXEL_SSH_CONFIG) naming only the test key for this host."""
        cfg = folder / "ssh_config"
        cfg.write_text(f"Host {self.host}\n  IdentityFile {self.key_path}\n", encoding="utf-8")
        return cfg


def require_docker() -> str:
    (url,) = env("Docker engine", "PIXEL_TEST_DOCKER_HOST")
    import docker  # tests may use docker-py directly; the app goes through DockerClient

    try:
        client = docker.APIClient(base_url=url, version="auto", timeout=15)
        client.ping()
        client.close()
    except Exception as exc:  # any failure means "not answering"
        unavailable("Docker engine", f"{url} does not answer ({exc.__class__.__name__}: {exc})")
    return url


def docker_cli(
    docker_url: str, *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI against the test daemon (``PIXEL_TEST_DOCKER_HOST``), never the
    developer's default one. A bare ``docker ps`` follows DOCKER_HOST, DOCKER_CONTEXT or the
    current context, which may be another (empty) daemon: a "no leftover containers" check
    would then pass without ever looking at the daemon the test used."""
    env = {k: v for k, v in os.environ.items() if k not in {"DOCKER_HOST", "DOCKER_CONTEXT"}}
    env["DOCKER_HOST"] = docker_url
    return subprocess.run(
        ["docker", "--host", docker_url, *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
        env=env,
    )


def require_swarm_manager(docker_url: str) -> None:
    """The test daemon must be a Swarm manager; test-services.sh makes one of a daemon it
    started (and sets PIXEL_TEST_SWARM), and leaves a daemon it did not start alone."""
    env("Swarm manager", "PIXEL_TEST_SWARM")
    import docker

    client = docker.APIClient(base_url=docker_url, version="auto", timeout=15)
    try:
        swarm = client.info().get("Swarm") or {}
    finally:
        client.close()
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        unavailable(
            "Swarm manager",
            f"{docker_url} is not a Swarm manager; run `docker swarm init --advertise-addr 127.0.0.1`",
        )


def require_base_image(docker_url: str) -> str:
    (tag,) = env("local base image", "PIXEL_BASE_IMAGE")
    import docker

    client = docker.APIClient(base_url=docker_url, version="auto", timeout=15)
    try:
        client.inspect_image(tag)
    except docker.errors.ImageNotFound:
        unavailable(
            "local base image", f"{tag} is not in the daemon (scripts/make-local-base-image.sh)"
        )
    finally:
        client.close()
    return tag


def require_registry() -> Registry:
    address, user, password = env(
        "registry",
        "PIXEL_TEST_REGISTRY",
        "PIXEL_TEST_REGISTRY_USER",
        "PIXEL_TEST_REGISTRY_PASSWORD",
    )
    import httpx

    try:
        status = httpx.get(f"http://{address}/v2/", auth=(user, password), timeout=10).status_code
    except httpx.HTTPError as exc:
        unavailable("registry", f"{address} does not answer ({exc})")
    if status != 200:
        unavailable("registry", f"{address} refused the test credentials (HTTP {status})")
    return Registry(address, user, password)


def require_postgres() -> str:
    (url,) = env("PostgreSQL", "PIXEL_TEST_PG_URL")
    from sqlalchemy import create_engine, text

    engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        unavailable("PostgreSQL", f"cannot connect ({exc.__class__.__name__})")
    finally:
        engine.dispose()
    return url


def require_redis() -> str:
    """The test redis-server's URL (team mode's broker), after a PING."""
    (url,) = env("Redis", "PIXEL_TEST_REDIS_URL")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except Exception as exc:
        unavailable("Redis", f"cannot connect ({exc.__class__.__name__})")
    finally:
        client.close()
    return url


def require_secret_service() -> None:
    env("Secret Service keyring", "DBUS_SESSION_BUS_ADDRESS")
    from keyring.backends import SecretService

    try:
        SecretService.Keyring.priority  # noqa: B018 - raises when the service is unusable
    except Exception as exc:
        unavailable("Secret Service keyring", str(exc))


def require_ssh() -> SshHost:
    host, port, user, key, known = env(
        "sshd",
        "PIXEL_TEST_SSH_HOST",
        "PIXEL_TEST_SSH_PORT",
        "PIXEL_TEST_SSH_USER",
        "PIXEL_TEST_SSH_KEY",
        "PIXEL_TEST_SSH_KNOWN_HOSTS",
    )
    for path in (key, known):
        if not Path(path).is_file():
            unavailable("sshd", f"{path} does not exist")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        unavailable("sshd", f"{host}:{port} does not answer ({exc})")

    def optional(name: str) -> Path | None:
        value = os.environ.get(name)
        return Path(value) if value else None

    return SshHost(
        host=host,
        port=int(port),
        user=user,
        key_path=Path(key),
        known_hosts=Path(known),
        config_path=optional("PIXEL_TEST_SSH_CONFIG"),
        home=optional("PIXEL_TEST_SSH_HOME"),
        bin_dir=optional("PIXEL_TEST_SSH_BIN"),
    )
