"""known_hosts markers and changed keys against the real test sshd (issue 11 §4.3, §4.4)."""

from __future__ import annotations

import paramiko
import pytest

from pixel_desktop.cli.main import main as pixel
from pixel_desktop.deploy import HostKeyError, hosts
from pixel_desktop.store import Store

pytestmark = [pytest.mark.docker, pytest.mark.ssh]


def _host_key_line(ssh_host) -> str:
    return ssh_host.known_hosts.read_text(encoding="utf-8").strip().splitlines()[0]


def _isolated(ssh_host, tmp_path, monkeypatch, known_hosts_text: str):
    """A HOME whose ~/.ssh/known_hosts is ``known_hosts_text`` and a private PIXEL_HOME."""
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "known_hosts").write_text(known_hosts_text, encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path / "pixel"))
    monkeypatch.delenv("PIXEL_SSH_KNOWN_HOSTS", raising=False)
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(ssh_host.identity_config(tmp_path)))


def test_cert_authority_and_revoked_lines_for_other_hosts_do_not_break_ssh_targets(
    ssh_host, tmp_path, monkeypatch
) -> None:
    other = paramiko.Ed25519Key.from_private_key_file(str(ssh_host.key_path)).get_base64()
    _isolated(
        ssh_host,
        tmp_path,
        monkeypatch,
        f"@cert-authority *.corp.example ssh-ed25519 {other}\n"
        f"@revoked old.example ssh-ed25519 {other}\n"
        "garbage line with !!! not base64\n"
        f"{_host_key_line(ssh_host)}\n",
    )

    with hosts.connect(ssh_host.docker_url, "t") as docker:
        assert docker.ping().version
    assert hosts.presented_key(hosts.parse_docker_host(ssh_host.docker_url), "t").already_trusted


def test_a_revoked_host_key_is_refused_even_when_another_line_trusts_it(
    ssh_host, tmp_path, monkeypatch
) -> None:
    line = _host_key_line(ssh_host)
    _, key_type, key_b64 = line.split()[:3]
    _isolated(ssh_host, tmp_path, monkeypatch, f"{line}\n@revoked * {key_type} {key_b64}\n")

    with pytest.raises(HostKeyError) as err:
        hosts.connect(ssh_host.docker_url, "t")

    assert err.value.kind == "revoked"
    assert "@revoked" in str(err.value)
    key = hosts.presented_key(hosts.parse_docker_host(ssh_host.docker_url), "t")
    assert key.revoked and not key.already_trusted


def test_trust_yes_on_a_changed_key_warns_with_old_and_new_fingerprints_and_replaces_it(
    ssh_host, tmp_path, monkeypatch, capsys
) -> None:
    _isolated(ssh_host, tmp_path, monkeypatch, "")
    from pixel_desktop.docker.ssh import fingerprint

    old = paramiko.Ed25519Key.from_private_key_file(str(ssh_host.key_path))  # not the host key
    mine = hosts.pixel_known_hosts()
    mine.parent.mkdir(parents=True)
    mine.write_text(
        f"[{ssh_host.host}]:{ssh_host.port} ssh-ed25519 {old.get_base64()}\n", encoding="utf-8"
    )
    store = Store.open(f"sqlite:///{tmp_path / 'pixel.db'}")
    store.targets.add("moved", ssh_host.docker_url, "docker")
    store.close()
    monkeypatch.setenv("PIXEL_STORE_URL", f"sqlite:///{tmp_path / 'pixel.db'}")
    new_fp = hosts.presented_key(hosts.parse_docker_host(ssh_host.docker_url), "moved").fingerprint

    assert pixel(["targets", "trust", "moved", "--yes"]) == 0

    out, err = capsys.readouterr()
    assert "CHANGED" in err
    assert fingerprint(old) in err and new_fp in err
    assert "CHANGED" in out and "Trusted" in out
    assert old.get_base64() not in mine.read_text(encoding="utf-8")
    with hosts.connect(ssh_host.docker_url, "moved") as docker:
        assert docker.ping().version
