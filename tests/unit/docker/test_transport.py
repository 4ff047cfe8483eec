"""Every client uses the one host policy (issue 11 §2.2), against loopback listeners.

Why it matters: a build sends X-Registry-Auth and the project's secret env values to the
daemon. A listener stands in for a daemon and records the first bytes it receives: a plain
tcp:// host must get none (refused before connecting), and a tcp:// docker context with TLS
material must get a TLS handshake, never a cleartext HTTP request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import threading
from pathlib import Path

import docker.errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.errors import DockerError, DockerUnavailableError, InputError


class Listener:
    """Accepts connections on 127.0.0.1 and keeps the first bytes of each, then closes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(64))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    srv = Listener()
    yield srv
    srv.close()


@pytest.fixture
def no_docker_env(monkeypatch, tmp_path):
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    return tmp_path / "docker-config"


def test_a_build_on_a_plain_tcp_docker_host_is_refused_before_any_byte_is_sent(
    listener, no_docker_env
) -> None:
    host = f"tcp://127.0.0.1:{listener.port}"

    with pytest.raises(InputError) as err:
        DockerClient(host)

    assert "plain tcp://" in str(err.value) and "TLS" in str(err.value)
    assert listener.received == []


def _write_tls(folder: Path) -> None:
    """A self-signed certificate used as CA and client certificate (loadable PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pixel-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "ca.pem").write_bytes(pem)
    (folder / "cert.pem").write_bytes(pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_a_tcp_docker_context_with_tls_material_is_reached_over_tls(
    listener, no_docker_env
) -> None:
    config = no_docker_env
    host = f"tcp://127.0.0.1:{listener.port}"
    digest = hashlib.sha256(b"remote-tls").hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps({"Name": "remote-tls", "Endpoints": {"docker": {"Host": host}}}),
        encoding="utf-8",
    )
    _write_tls(config / "contexts" / "tls" / digest / "docker")
    (config / "config.json").write_text(json.dumps({"currentContext": "remote-tls"}))

    with pytest.raises(DockerUnavailableError):  # the listener is no daemon: it hangs up
        DockerClient(None).ping()

    assert listener.received, "the client connected"
    assert all(first[:1] == b"\x16" for first in listener.received), listener.received
    assert not any(b"HTTP" in first or b"GET" in first for first in listener.received)


class _RefusingApi:
    """Stands in for the APIClient: the daemon refuses every call."""

    def tag(self, *args, **kwargs):
        raise docker.errors.APIError("409", explanation="conflict")

    def rename(self, *args, **kwargs):
        raise docker.errors.APIError("409", explanation="conflict")


def test_a_refusal_is_one_docker_error_for_a_build_call_and_a_deploy_call() -> None:
    client = object.__new__(DockerClient)  # no daemon contact in a unit test
    client.host, client.api = "ssh://ops@box", _RefusingApi()

    with pytest.raises(DockerError) as tagging:
        client.tag("sha256:1", "pixel/acme", "b1")  # the build pipeline's call
    with pytest.raises(DockerError) as renaming:
        client.rename_container("c1", "pixel-acme")  # a deploy strategy's call

    assert type(tagging.value) is type(renaming.value) is DockerError
    assert str(tagging.value) == "Docker at ssh://ops@box refused to tag an image: conflict"
    assert "ssh://ops@box refused to rename a container" in str(renaming.value)
