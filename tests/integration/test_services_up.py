"""The test services that scripts/test-services.sh starts really answer, with the access
control the other integration tests rely on (auth refused without credentials, host keys
checked, secrets really stored)."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import docker
import httpx
import keyring
import pytest
from keyring.backends import SecretService
from services import Registry, SshHost
from sqlalchemy import create_engine, text


@pytest.mark.docker
def test_docker_daemon_answers_and_the_base_image_runs_python(docker_host: str, base_image: str):
    client = docker.DockerClient(base_url=docker_host, version="auto", timeout=60)
    try:
        assert client.ping() is True
        out = client.containers.run(base_image, ["python3", "-c", "print(1)"], remove=True)
        assert out == b"1\n"
        # Like the official python images: `python` exists and pip installs without
        # --break-system-packages (Debian's EXTERNALLY-MANAGED marker removed).
        check = "import pathlib, sys, sysconfig; print(sys.version_info[:2] >= (3, 11), " \
            "pathlib.Path(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED').exists())"
        assert client.containers.run(base_image, ["python", "-c", check], remove=True) == b"True False\n"
    finally:
        client.close()


@pytest.mark.registry
def test_registry_refuses_anonymous_and_wrong_password_and_accepts_the_credentials(
    registry: Registry,
):
    assert registry.address.startswith("127.0.0.1:")
    anonymous = httpx.get(f"{registry.url}/v2/", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].lower().startswith("basic")
    wrong = httpx.get(f"{registry.url}/v2/", auth=(registry.username, "not-" + registry.password))
    assert wrong.status_code == 401
    ok = httpx.get(f"{registry.url}/v2/_catalog", auth=(registry.username, registry.password))
    assert ok.status_code == 200
    assert "repositories" in ok.json()


@pytest.mark.postgres
def test_postgresql_answers_select_1_as_the_test_role(pg_url: str):
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
            assert conn.execute(text("select current_user")).scalar_one() == engine.url.username
            assert conn.execute(text("select current_database()")).scalar_one() == engine.url.database
    finally:
        engine.dispose()


@pytest.mark.keyring
def test_keyring_backend_is_secret_service_and_round_trips_a_secret(secret_service):
    assert isinstance(keyring.get_keyring(), SecretService.Keyring)
    service, user = "pixel-tests-services-up", f"probe-{secrets.token_hex(4)}"
    value = f"pässwörd 'with' \"quotes\" {secrets.token_urlsafe(16)}"
    keyring.set_password(service, user, value)
    try:
        # A fresh backend object reads it back from the daemon, not from a Python cache.
        assert SecretService.Keyring().get_password(service, user) == value
    finally:
        keyring.delete_password(service, user)
    assert keyring.get_password(service, user) is None


def _ssh(ssh_host: SshHost, known_hosts: Path, key: Path, command: str):
    return subprocess.run(
        ["ssh", "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={known_hosts}",
         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-F", "/dev/null", "-i", str(key), "-p", str(ssh_host.port),
         f"{ssh_host.user}@{ssh_host.host}", command],
        capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.ssh
def test_sshd_accepts_the_key_with_a_verified_host_key_and_has_docker_on_path(ssh_host: SshHost):
    result = _ssh(ssh_host, ssh_host.known_hosts, ssh_host.key_path, "command -v docker")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("/docker")


@pytest.mark.ssh
def test_sshd_host_key_is_checked_and_unknown_client_keys_are_refused(
    ssh_host: SshHost, tmp_path: Path
):
    empty = tmp_path / "known_hosts"
    empty.touch()
    unknown_host = _ssh(ssh_host, empty, ssh_host.key_path, "true")
    assert unknown_host.returncode != 0
    assert "Host key verification failed" in unknown_host.stderr

    other_key = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)], check=True)
    wrong_key = _ssh(ssh_host, ssh_host.known_hosts, other_key, "true")
    assert wrong_key.returncode != 0
    assert "Permission denied" in wrong_key.stderr


@pytest.mark.docker
@pytest.mark.ssh
@pytest.mark.parametrize("use_ssh_client", [False, True], ids=["paramiko", "openssh"])
def test_docker_py_reaches_the_daemon_over_ssh_with_the_client_env(
    ssh_host: SshHost, docker_host: str, use_ssh_client: bool, monkeypatch: pytest.MonkeyPatch
):
    for name, value in ssh_host.client_env().items():
        monkeypatch.setenv(name, value)
    client = docker.DockerClient(
        base_url=ssh_host.docker_url, use_ssh_client=use_ssh_client, version="auto", timeout=60
    )
    try:
        assert client.ping() is True
        local = docker.DockerClient(base_url=docker_host, version="auto")
        assert client.info()["ID"] == local.info()["ID"]
        local.close()
    finally:
        client.close()
