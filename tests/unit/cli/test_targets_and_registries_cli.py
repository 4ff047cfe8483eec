"""`pixel targets add` / `pixel registries add`: bad input exits 2 with the app layer's one
message, before anything is stored or read from stdin."""

from __future__ import annotations

import io

import pytest

from pixel_desktop.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_target_kind_the_deploy_layer_does_not_know_exits_2_with_the_allowed_kinds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(
        capsys, "targets", "add", "prod", "--docker-host", "unix:///var/run/docker.sock", "--kind", "ssh"
    )
    assert code == 2
    assert err.strip() == "pixel: Invalid target kind 'ssh': use one of docker, swarm."
    assert _run(capsys, "targets", "list", "--json")[1].strip() == "[]"


def test_a_swarm_target_is_added(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "targets", "add", "mgr", "--docker-host", "unix:///var/run/docker.sock", "--kind", "swarm"
    )
    assert code == 0 and "(swarm)" in out


def test_a_password_without_a_user_exits_2_before_stdin_is_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.StringIO("s3cret\n")
    monkeypatch.setattr("sys.stdin", stdin)
    code, _, err = _run(capsys, "registries", "add", "reg", "--url", "127.0.0.1:5000", "--password-stdin")
    assert code == 2
    assert "needs a user name" in err
    assert stdin.tell() == 0  # nothing was read
    assert _run(capsys, "registries", "list", "--json")[1].strip() == "[]"


def test_a_registry_url_with_a_scheme_is_stored_as_host_and_port(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "registries", "add", "reg", "--url", "https://registry.example.com:5000/")
    assert code == 0
    assert out.strip() == "Registry reg added: registry.example.com:5000"
