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


def _spec(llm: dict | None = None, **deployment):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["deployment"] = {**data.get("deployment", {}), **deployment}
    data["llm"] = {**data.get("llm", {}), **(llm or {})}
    return spec_from_data(data)


def test_target_names_and_kinds_are_validated() -> None:
    assert hosts.validate_target_name("prod-1.eu") == "prod-1.eu"
    for bad in ("", "-x", "a b", "x" * 64, "../etc"):
        with pytest.raises(InputError):
            hosts.validate_target_name(bad)
    with pytest.raises(InputError, match="docker, swarm"):
        hosts.validate_kind("k8s")


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
    # LLM_API_KEY is read by the service only when an LLM provider is on (see
    # tests/unit/app/test_sample_and_secrets.py for the provider-none sample).
    spec = _spec(llm={"provider": "openai-compatible"}, secret_env=["LLM_API_KEY", "OTHER_TOKEN"])
    with pytest.raises(DeployError) as err:
        cfg.runtime_config(ACME, spec, _Secrets({"OTHER_TOKEN": "x"}))
    assert "LLM_API_KEY" in str(err.value) and "OTHER_TOKEN" not in str(err.value)
    assert "pixel-ai-creator/project/acme.0f0f" in str(err.value)


def test_the_container_listens_on_the_deployment_port_the_spec_cannot_override() -> None:
    """PORT is reserved in env_vars, so the deploy itself passes the port it publishes."""
    runtime = cfg.runtime_config(ACME, _spec(port=9123), _Secrets({"LLM_API_KEY": "k"}))
    assert runtime.env["PORT"] == "9123"
    assert "PORT" not in runtime.snapshot["env_vars"] and runtime.snapshot["port"] == 9123


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
