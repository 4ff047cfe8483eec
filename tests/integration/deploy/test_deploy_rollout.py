"""Rollout over ssh:// against the real daemon: healthy deploy, health-gated rollback, host keys."""

from __future__ import annotations

import httpx
import pytest
from deploy_helpers import add_build, free_port, make_project, unique_slug

from pixel_desktop.deploy import DeployService, HostKeyError
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.settings import Settings

pytestmark = [pytest.mark.docker, pytest.mark.ssh]


def _service(store, docker_host: str, **kw) -> DeployService:
    return DeployService(store, Settings(), local_host=docker_host, health_timeout_s=15, **kw)


def _chat(url: str, text: str) -> dict:
    r = httpx.post(f"{url}/chat", json={"message": text}, timeout=10)
    r.raise_for_status()
    return r.json()


def test_ssh_deploy_is_healthy_and_chat_answers_then_failed_health_rolls_back_to_the_previous(
    store, standins, docker_host, ssh_env, cleanup, secret_service
) -> None:
    from pixel_desktop.secrets import SecretStore

    slug = unique_slug("deploy-ssh-rollback")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port, secret_env=["PIXEL_TEST_TOKEN"])
    SecretStore().set_project_secret(project, "PIXEL_TEST_TOKEN", "s3cr3t-value-xyz")
    store.targets.add("remote", ssh_env.docker_url, "docker")
    good = add_build(store, project.id, standins.good)
    service = _service(store, docker_host)
    events: list = []

    first = service.deploy(slug, "remote", build_id=good.id, on_progress=events.append)

    assert first.status == "healthy", first.error_message
    assert first.url == f"http://127.0.0.1:{port}"
    assert _chat(first.url, "hello")["reply"] == "v1: hello"
    assert first.config_snapshot["secret_env"] == {"PIXEL_TEST_TOKEN": "***"}
    assert "s3cr3t-value-xyz" not in repr(store.deployments.get(first.id))
    assert any(e.stage == "health" for e in events if hasattr(e, "stage"))
    with DockerClient(docker_host) as docker:
        (live,) = [c for c in docker.list_containers({"pixel.project": slug})]
        env = docker.api.inspect_container(live.id)["Config"]["Env"]
        assert "PIXEL_TEST_TOKEN=s3cr3t-value-xyz" in env
        restart = docker.api.inspect_container(live.id)["HostConfig"]["RestartPolicy"]["Name"]
        assert restart == "unless-stopped"
        assert live.labels["pixel.deployment"] == str(first.id)

    bad = add_build(store, project.id, standins.bad)
    second = service.deploy(slug, "remote", build_id=bad.id)

    assert second.status == "rolled_back"
    assert "health" in (second.error_message or "")
    assert _chat(first.url, "still there?")["reply"] == "v1: still there?"
    with DockerClient(docker_host) as docker:
        containers = docker.list_containers({"pixel.project": slug})
        assert [c.labels["pixel.deployment"] for c in containers] == [str(first.id)]
        assert containers[0].state == "running"
    statuses = [d.status for d in store.deployments.list(slug)]
    assert statuses == ["rolled_back", "healthy"]


def test_an_unknown_ssh_host_key_is_refused_with_fingerprint_and_how_to_trust(
    store, ssh_host, tmp_path, monkeypatch
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/known_hosts
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(empty))
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(ssh_host.identity_config(tmp_path)))
    store.targets.add("stranger", ssh_host.docker_url, "docker")
    service = DeployService(store, Settings())

    check = service.check_target("stranger")

    assert not check.ok and not check.reachable
    assert "unknown" in check.verdict and "SHA256:" in check.verdict
    assert "pixel targets trust stranger" in check.verdict
    with pytest.raises(HostKeyError) as err:
        from pixel_desktop.deploy import hosts

        hosts.connect(ssh_host.docker_url, "stranger")
    assert err.value.kind == "unknown"
    assert err.value.port == ssh_host.port


def test_a_changed_ssh_host_key_is_refused(ssh_host, tmp_path, monkeypatch) -> None:
    import paramiko

    from pixel_desktop.deploy import hosts

    other = paramiko.Ed25519Key.from_private_key_file(str(ssh_host.key_path))  # not the host key
    kh = tmp_path / "known_hosts"
    kh.write_text(
        f"[{ssh_host.host}]:{ssh_host.port} ssh-ed25519 {other.get_base64()}\n", encoding="utf-8"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIXEL_SSH_KNOWN_HOSTS", str(kh))
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(tmp_path / "none"))

    with pytest.raises(HostKeyError) as err:
        hosts.connect(ssh_host.docker_url, "t")

    assert err.value.kind == "changed"
    assert "CHANGED" in str(err.value)


def test_trusting_a_host_key_writes_pixel_known_hosts_and_then_connects(
    ssh_host, tmp_path, monkeypatch
) -> None:
    from pixel_desktop.deploy import hosts

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PIXEL_SSH_KNOWN_HOSTS", raising=False)
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(ssh_host.identity_config(tmp_path)))
    url = hosts.parse_docker_host(ssh_host.docker_url)

    key = hosts.presented_key(url, "t")
    assert not key.already_trusted
    expected = ssh_host.known_hosts.read_text(encoding="utf-8").split()[2]
    assert key.line.split()[2] == expected
    hosts.trust(key)

    assert hosts.presented_key(url, "t").already_trusted
    with hosts.connect(ssh_host.docker_url, "t") as docker:
        assert docker.ping().version
