"""SSH pieces that need no host: key fingerprints, known_hosts names, the strict policy."""

from __future__ import annotations

import base64
import hashlib

import paramiko
import pytest

from pixel_desktop.docker.ssh import HostKeyError, _StrictPolicy, fingerprint, known_hosts_name


def test_fingerprint_matches_openssh_format_and_known_hosts_names_use_brackets_for_ports() -> None:
    key = paramiko.RSAKey.generate(1024)
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip(
        "="
    )
    assert fingerprint(key) == expected
    assert known_hosts_name("h.example", 22) == "h.example"
    assert known_hosts_name("127.0.0.1", 2222) == "[127.0.0.1]:2222"


def test_unknown_key_policy_refuses_naming_host_fingerprint_and_both_ways_to_trust() -> None:
    key = paramiko.RSAKey.generate(1024)
    with pytest.raises(HostKeyError) as err:
        _StrictPolicy(2222, "prod").missing_host_key(paramiko.SSHClient(), "[10.0.0.5]:2222", key)
    e = err.value
    assert (e.host, e.port, e.kind, e.fingerprint) == (
        "10.0.0.5",
        2222,
        "unknown",
        fingerprint(key),
    )
    msg = str(e)
    assert "10.0.0.5 port 2222" in msg and fingerprint(key) in msg
    assert "pixel targets trust prod" in msg and "ssh-keyscan -p 2222 10.0.0.5" in msg
