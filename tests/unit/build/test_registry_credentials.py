"""Registry credentials go only over TLS or to a real loopback address.

A stub on 127.0.0.1 plays the registry, its token service and, for the remote names, an HTTP
proxy (``HTTP_PROXY``): every request the client makes reaches the stub, so the test sees
exactly which credentials would have left the machine, without DNS or a real remote host.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from pixel_desktop.build.registry_api import RegistryAPI, is_loopback_host
from pixel_desktop.errors import RegistryError

USER, PASSWORD = "bob", "pw-4c1d9e"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TOKEN = "tok-7a2f"
DIGEST = "sha256:" + "ab" * 32


@dataclass
class Seen:
    host: str  # the host the client meant (Host header), not the stub's address
    path: str
    authorization: str | None


@dataclass
class Stub:
    port: int
    challenge: str = ""  # WWW-Authenticate sent on an unauthenticated /v2/ request
    seen: list[Seen] = field(default_factory=list)

    def credentials_sent_to(self) -> list[str]:
        """Hosts that received the username and password."""
        return [s.host for s in self.seen if s.authorization == BASIC]


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path  # absolute-form when it came as a proxy request
            auth = self.headers.get("Authorization")
            state.seen.append(Seen(self.headers.get("Host", ""), path, auth))
            if path == "/token":
                if auth == BASIC:
                    return self._answer(200, json.dumps({"token": TOKEN}).encode())
                return self._answer(401, b"{}")
            if auth in (BASIC, f"Bearer {TOKEN}") and not (
                auth == BASIC and state.challenge.startswith("Bearer")
            ):
                return self._answer(200, b"{}", {"Docker-Content-Digest": DIGEST})
            return self._answer(401, b"{}", {"WWW-Authenticate": state.challenge})

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def via_stub_proxy(stub: Stub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Route every request through the stub, so remote names 'resolve' without DNS."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{stub.port}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{stub.port}")


def test_a_loopback_token_realm_receives_the_credentials_and_its_token_works(stub: Stub) -> None:
    stub.challenge = f'Bearer realm="http://127.0.0.1:{stub.port}/token",service="stub"'
    api = RegistryAPI(f"127.0.0.1:{stub.port}", USER, PASSWORD, timeout=5)
    assert api.manifest_digest("acme/bot", "b1") == DIGEST
    assert [s.path for s in stub.seen if s.authorization == BASIC][-1] == "/token"


def test_a_plain_http_token_realm_on_another_host_never_receives_the_password(
    stub: Stub, via_stub_proxy: None
) -> None:
    stub.challenge = 'Bearer realm="http://auth.example.invalid/token",service="stub"'
    api = RegistryAPI(f"127.0.0.1:{stub.port}", USER, PASSWORD, timeout=5)
    with pytest.raises(RegistryError) as err:
        api.manifest_digest("acme/bot", "b1")
    assert err.value.kind == "insecure"
    assert "http://auth.example.invalid/token" in str(err.value) and "https" in str(err.value)
    assert PASSWORD not in str(err.value)
    assert not [h for h in stub.credentials_sent_to() if h.startswith("auth.example.invalid")]
    assert not any(s.path == "/token" for s in stub.seen), "the realm was contacted at all"


def test_a_registry_named_like_localhost_gets_no_credentials_over_plain_http(
    stub: Stub, via_stub_proxy: None
) -> None:
    stub.challenge = 'Basic realm="stub"'
    api = RegistryAPI("localhostregistry.example.invalid:5000", USER, PASSWORD, timeout=5)
    result = api.check()
    assert not result.ok and result.kind == "unreachable"  # https only: the stub has no TLS
    assert stub.credentials_sent_to() == []
    assert not any(s.host.startswith("localhostregistry") and s.path == "/v2/" for s in stub.seen)


def test_an_insecure_registry_sends_credentials_to_its_own_host_but_not_to_another(
    stub: Stub, via_stub_proxy: None
) -> None:
    stub.challenge = 'Basic realm="stub"'
    api = RegistryAPI("registry.example.invalid:5000", USER, PASSWORD, insecure=True, timeout=5)
    assert api.check().kind != "unreachable"  # reached over plain HTTP, as the user chose
    assert set(stub.credentials_sent_to()) == {"registry.example.invalid:5000"}
    assert api.may_send_credentials("http://registry.example.invalid:5000/token")
    assert not api.may_send_credentials("http://auth.example.invalid/token")
    assert not api.may_send_credentials("http://registry.example.invalid:5001/token")
    assert api.may_send_credentials("https://auth.example.invalid/token")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhostregistry.example.com", False),
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),
        ("127.example.com", False),
        ("10.0.0.1", False),
        ("[::2]", False),
        ("", False),
    ],
)
def test_loopback_is_an_ip_literal_or_localhost_never_a_name_prefix(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
