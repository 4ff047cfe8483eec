"""The host policy: which Docker host (explicit, DOCKER_HOST, the docker CLI's context, the
socket), which URLs are accepted, and what ssh config and known_hosts files say."""

import hashlib
import json

import pytest

from pixel_desktop.docker import hosts
from pixel_desktop.errors import InputError


def test_explicit_host_wins_over_env_and_context(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "tcp://env:2375")
    assert hosts.resolve_host("unix:///x.sock") == "unix:///x.sock"
    assert hosts.resolve_host(None) == "tcp://env:2375"


def test_current_cli_context_is_used_when_no_docker_host(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "colima"}))
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"colima").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": "colima",
                "Endpoints": {"docker": {"Host": "unix:///home/u/.colima/docker.sock"}},
            }
        )
    )
    assert hosts.resolve_host() == "unix:///home/u/.colima/docker.sock"


def test_default_socket_when_nothing_is_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert hosts.resolve_host() == hosts.default_socket_url()


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "user"),
    [
        ("ssh://root@127.0.0.1:2222", "ssh", "127.0.0.1", 2222, "root"),
        ("ssh://deploy@server.example", "ssh", "server.example", None, "deploy"),
        ("tcp://server.example:2376", "tcp", "server.example", 2376, None),
        ("unix:///var/run/docker.sock", "unix", "127.0.0.1", None, None),
    ],
)
def test_supported_docker_hosts_parse(url, scheme, host, port, user) -> None:
    parsed = hosts.parse_docker_host(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.user) == (scheme, host, port, user)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("http://server:2375", "Unsupported"),
        ("ssh://user:secret@server", "password"),
        ("tcp://server", "needs a port"),
        ("ssh://server/path", "expected ssh://host"),
        ("unix://relative.sock", "absolute path"),
        ("ssh://server:99999", "bad port"),
        ("", "Unsupported"),
    ],
)
def test_bad_docker_hosts_are_refused_with_the_reason(url, needle) -> None:
    with pytest.raises(InputError) as err:
        hosts.parse_docker_host(url)
    assert needle in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "ssh://-oProxyCommand=touch${IFS}/tmp/pwned",
        "ssh://-oProxyCommand=x@server.example",
        "ssh://-luser@server.example",
        "ssh://deploy@-server.example",
        "ssh://de ploy@server.example",
        "ssh://deploy@server\n.example",
        "ssh://deploy;id@server.example",
        "ssh://deploy@serv$er.example",
        "ssh://deploy@server.example:0",
        "tcp://-H:2376",
        "tcp://server\x1b[31m.example:2376",
    ],
)
def test_docker_host_urls_with_option_like_or_odd_host_user_or_port_are_refused(url) -> None:
    with pytest.raises(InputError) as err:
        hosts.parse_docker_host(url)
    assert "Invalid Docker host" in str(err.value)


def test_ssh_options_read_identity_hostname_and_known_hosts_from_config_and_env(
    tmp_path, monkeypatch
) -> None:
    key = tmp_path / "id_test"
    key.write_text("not really a key", encoding="utf-8")
    extra_known = tmp_path / "extra_known"
    cfg_file = tmp_path / "config"
    cfg_file.write_text(
        f"Host box\n  HostName 10.1.2.3\n  Port 2200\n  User ops\n  IdentityFile {key}\n"
        f"  UserKnownHostsFile {tmp_path / 'cfg_known'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(cfg_file))
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(extra_known))

    opts = hosts.ssh_options(hosts.parse_docker_host("ssh://box"), "t")

    assert (opts.hostname, opts.port, opts.username) == ("10.1.2.3", 2200, "ops")
    assert opts.key_filenames == (str(key),)
    assert hosts.pixel_known_hosts() in opts.known_hosts
    assert extra_known in opts.known_hosts and tmp_path / "cfg_known" in opts.known_hosts
    assert hosts.ssh_endpoint(hosts.parse_docker_host("ssh://box"), opts) == ("10.1.2.3", 2200)
    assert hosts.ssh_endpoint(hosts.parse_docker_host("ssh://box:23"), opts) == ("10.1.2.3", 23)
