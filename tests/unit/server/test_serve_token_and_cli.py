"""The API token: kept in the keyring, made once, replaced on request, compared in constant
time; and `pixel serve`'s token options and loopback warning."""

from __future__ import annotations

import argparse

import pytest
from keyring.backend import KeyringBackend
from keyring_fakes import MemoryKeyring

from pixel_desktop.cli import serve as serve_cli
from pixel_desktop.errors import SecretStoreError
from pixel_desktop.server.auth import bearer_token
from pixel_desktop.server.token import ACCOUNT, SERVICE, TokenStore, tokens_match


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("locked")


class Ring:
    def __init__(self, backend: KeyringBackend) -> None:
        self.backend = backend


def test_the_first_read_or_create_makes_a_token_and_later_ones_return_it() -> None:
    ring = MemoryKeyring()
    tokens = TokenStore(lambda: Ring(ring))
    assert tokens.read() is None
    token, created = tokens.read_or_create()
    assert created
    assert len(token) >= 40
    assert ring.data[(SERVICE, ACCOUNT)] == token
    assert tokens.read_or_create() == (token, False)


def test_replacing_the_token_makes_the_old_one_stop_matching() -> None:
    ring = MemoryKeyring()
    tokens = TokenStore(lambda: Ring(ring))
    old, _ = tokens.read_or_create()
    new = tokens.replace()
    assert new != old
    assert tokens.read() == new
    assert not tokens_match(old, new)


def test_a_keyring_that_fails_is_a_secret_store_error() -> None:
    tokens = TokenStore(lambda: Ring(BrokenKeyring()))
    with pytest.raises(SecretStoreError, match="could not be read"):
        tokens.read_or_create()


@pytest.mark.parametrize(
    ("given", "expected", "ok"),
    [("abc", "abc", True), ("abd", "abc", False), ("", "abc", False), (None, "abc", False),
     ("abc", "", False), ("ab", "abc", False), ("é", "é", True)],
)
def test_tokens_match_only_when_equal_and_not_empty(given: str | None, expected: str, ok: bool) -> None:
    assert tokens_match(given, expected) is ok


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None),
     ("", None), (None, None)],
)
def test_bearer_token_reads_only_the_bearer_scheme(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
     ("build-box.example", False)],
)
def test_only_loopback_binds_count_as_local(host: str, loopback: bool) -> None:
    assert serve_cli.is_loopback(host) is loopback


class FakeApp:
    def __init__(self, ring: MemoryKeyring) -> None:
        self.secrets = lambda: Ring(ring)


def _args(**kw: object) -> argparse.Namespace:
    defaults = {"host": "127.0.0.1", "port": 8765, "show_token": False, "new_token": False}
    return argparse.Namespace(**{**defaults, **kw})


def test_show_token_prints_the_stored_token_and_refuses_when_there_is_none(capsys) -> None:
    ring = MemoryKeyring()
    app = FakeApp(ring)
    with pytest.raises(SecretStoreError, match="no API token yet"):
        serve_cli.cmd_serve(_args(show_token=True), app)  # type: ignore[arg-type]
    assert serve_cli.cmd_serve(_args(new_token=True), app) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    stored = ring.data[(SERVICE, ACCOUNT)]
    assert stored not in out  # made without printing it
    assert "--show-token" in out
    assert serve_cli.cmd_serve(_args(show_token=True), app) == 0  # type: ignore[arg-type]
    assert capsys.readouterr().out.strip() == stored


def test_serve_makes_a_token_on_first_start_and_warns_on_a_non_loopback_bind(
    capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    ring = MemoryKeyring()
    served: list[tuple[str, str, int]] = []
    monkeypatch.setattr(serve_cli, "_run", lambda app, token, host, port: served.append((token, host, port)) or 0)
    assert serve_cli.cmd_serve(_args(), FakeApp(ring)) == 0  # type: ignore[arg-type]
    first = capsys.readouterr()
    assert "Made an API token" in first.out
    assert "warning" not in first.err
    assert serve_cli.cmd_serve(_args(host="0.0.0.0", port=9000), FakeApp(ring)) == 0  # type: ignore[arg-type]
    second = capsys.readouterr()
    assert "Made an API token" not in second.out
    assert "warning" in second.err and "0.0.0.0" in second.err
    token = ring.data[(SERVICE, ACCOUNT)]
    assert served == [(token, "127.0.0.1", 8765), (token, "0.0.0.0", 9000)]


def test_a_port_out_of_range_is_bad_input() -> None:
    from pixel_desktop.errors import InputError

    with pytest.raises(InputError, match="--port"):
        serve_cli.cmd_serve(_args(port=70000), FakeApp(MemoryKeyring()))  # type: ignore[arg-type]


def test_the_serve_command_is_registered_and_loads_no_web_stack_until_it_runs() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pixel_desktop.cli.main import build_parser\n"
        "args = build_parser().parse_args(['serve', '--port', '9001'])\n"
        "assert args.port == 9001 and args.host == '127.0.0.1', args\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'uvicorn', 'starlette', 'prometheus_client')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_server_package_imports_only_the_app_layer_and_shared_kinds() -> None:
    import ast
    from pathlib import Path

    import pixel_desktop.server

    allowed = {"pixel_desktop", "pixel_desktop.app", "pixel_desktop.events", "pixel_desktop.kinds",
               "pixel_desktop.errors", "pixel_desktop.server"}
    offenders: dict[str, list[str]] = {}
    for path in Path(pixel_desktop.server.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            )
            for name in names:
                if name.startswith("pixel_desktop") and ".".join(name.split(".")[:2]) not in allowed:
                    offenders.setdefault(path.name, []).append(name)
    assert offenders == {}
