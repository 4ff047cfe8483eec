"""Target URL validation, SSH/TLS connection options, and the runtime env vs. redacted snapshot."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from pixel_desktop.deploy import config as cfg
from pixel_desktop.deploy import hosts
from pixel_desktop.errors import DeployError, InputError
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store.records import ProjectRecord

REPO = Path(__file__).resolve().parents[3]


def _spec(**deployment):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["deployment"] = {**data.get("deployment", {}), **deployment}
    return spec_from_data(data)


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


def test_target_names_and_kinds_are_validated() -> None:
    assert hosts.validate_target_name("prod-1.eu") == "prod-1.eu"
    for bad in ("", "-x", "a b", "x" * 64, "../etc"):
        with pytest.raises(InputError):
            hosts.validate_target_name(bad)
    with pytest.raises(InputError, match="docker, swarm"):
        hosts.validate_kind("k8s")


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


def test_plain_tcp_without_certificates_is_refused_and_tls_dir_is_private(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("DOCKER_CERT_PATH", raising=False)
    with pytest.raises(InputError, match="TLS"):
        hosts.tls_options("prod")
    src = tmp_path / "certs"
    src.mkdir()
    (src / "ca.pem").write_text("ca", encoding="utf-8")
    with pytest.raises(InputError, match=r"cert\.pem, key\.pem"):
        hosts.install_tls("prod", src)
    (src / "cert.pem").write_text("cert", encoding="utf-8")
    (src / "key.pem").write_text("key", encoding="utf-8")

    dest = hosts.install_tls("prod", src)

    opts = hosts.tls_options("prod")
    assert opts.client_key == dest / "key.pem"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    assert stat.S_IMODE((dest / "key.pem").stat().st_mode) == 0o600


class _Secrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get_project_secret(self, project: ProjectRecord, name: str) -> str | None:
        assert project is ACME, "secrets are looked up by the project record"
        return self.values.get(name)


ACME = ProjectRecord(1, "acme", "Acme", "Acme", "faq-assistant", "{}", secrets_key="acme.0f0f")


def test_secret_values_reach_the_runtime_env_but_never_the_snapshot() -> None:
    spec = _spec(env_vars={"LOG_LEVEL": "debug"}, secret_env=["LLM_API_KEY"])

    runtime = cfg.runtime_config(
        ACME, spec, _Secrets({"LLM_API_KEY": "sk-live-123"}), extra={"via": "load"}
    )

    assert runtime.env == {"PORT": "8000", "LOG_LEVEL": "debug", "LLM_API_KEY": "sk-live-123"}
    assert runtime.snapshot["secret_env"] == {"LLM_API_KEY": "***"}
    assert runtime.snapshot["env_vars"] == {"LOG_LEVEL": "debug"}
    assert runtime.snapshot["via"] == "load"
    assert "sk-live-123" not in repr(runtime.snapshot)


def test_a_secret_missing_from_the_keyring_stops_the_deploy_naming_it() -> None:
    spec = _spec(secret_env=["LLM_API_KEY", "OTHER_TOKEN"])
    with pytest.raises(DeployError) as err:
        cfg.runtime_config(ACME, spec, _Secrets({"OTHER_TOKEN": "x"}))
    assert "LLM_API_KEY" in str(err.value) and "OTHER_TOKEN" not in str(err.value)
    assert "pixel-ai-creator/project/acme.0f0f" in str(err.value)


def test_the_container_listens_on_the_deployment_port_the_spec_cannot_override() -> None:
    """PORT is reserved in env_vars, so the deploy itself passes the port it publishes."""
    runtime = cfg.runtime_config(ACME, _spec(port=9123), _Secrets({"LLM_API_KEY": "k"}))
    assert runtime.env["PORT"] == "9123"
    assert "PORT" not in runtime.snapshot["env_vars"] and runtime.snapshot["port"] == 9123


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


def test_cli_and_gui_add_target_share_the_strict_host_validation(tmp_path, monkeypatch) -> None:
    """One validator: the GUI's add_target refuses what the CLI refuses, before the store."""
    from pixel_desktop.gui.services import Services  # its core half imports no Qt
    from pixel_desktop.settings import Settings

    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    services = Services(f"sqlite:///{tmp_path / 'pixel.db'}", Settings())
    try:
        with pytest.raises(InputError) as err:
            services.add_target("evil", "ssh://-oProxyCommand=sh", "docker")
        assert "Invalid Docker host" in str(err.value)
        assert services.list_targets() == []
        added = services.add_target("prod", "ssh://deploy@[::1]:2222", "docker")
        assert added.docker_host == "ssh://deploy@[::1]:2222"
    finally:
        services.store.close()
