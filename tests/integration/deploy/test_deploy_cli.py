"""`pixel targets|deploy|rollback|deployments` against the real daemon over ssh://."""

from __future__ import annotations

import json

import httpx
import pytest
from deploy_helpers import add_build, free_port, make_project, unique_slug

from pixel_desktop.cli.main import main as pixel

pytestmark = [pytest.mark.docker, pytest.mark.ssh]


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_cli_targets_deploy_rollback_and_history(
    store, standins, ssh_env, cleanup, capsys, monkeypatch
) -> None:
    from pixel_desktop import settings

    settings.save(settings.Settings(health_timeout_s=15))
    slug = unique_slug("deploy-cli")
    cleanup.append(slug)
    port = free_port()
    project = make_project(store, slug, port)
    v1 = add_build(store, project.id, standins.good)
    v2 = add_build(store, project.id, standins.good2)
    bad = add_build(store, project.id, standins.bad)

    assert pixel(["targets", "add", "box", "--docker-host", ssh_env.docker_url]) == 0
    assert pixel(["targets", "add", "bad name", "--docker-host", ssh_env.docker_url]) == 2
    assert pixel(["targets", "add", "plain", "--docker-host", "tcp://10.0.0.1:2375"]) == 2
    assert "TLS" in capsys.readouterr().err
    assert pixel(["targets", "list", "--json"]) == 0
    assert _json(capsys) == [
        {"name": "box", "docker_host": ssh_env.docker_url, "kind": "docker", "publish_address": None}
    ]

    assert pixel(["targets", "check", "box", "--project", slug, "--json"]) == 0
    check = _json(capsys)
    assert check["reachable"] and check["port_free"] and check["verdict"].startswith("READY")
    assert check["docker_version"]

    assert pixel(["deploy", slug, "--target", "box", "--build", str(v1.id), "--json"]) == 0
    first = _json(capsys)
    assert first["status"] == "healthy" and first["rolled_back"] is False and first["error"] is None
    assert pixel(["deploy", slug, "--target", "box", "--build", str(v2.id), "--json"]) == 0
    second = _json(capsys)
    assert (
        httpx.post(f"{second['url']}/chat", json={"message": "x"}, timeout=10).json()["reply"]
        == "v2: x"
    )

    assert pixel(["deploy", slug, "--target", "box", "--build", str(bad.id), "--json"]) == 1
    failed = _json(capsys)
    assert failed["status"] == "rolled_back" and failed["rolled_back"] is True and failed["error"]
    assert (
        httpx.post(f"{second['url']}/chat", json={"message": "y"}, timeout=10).json()["reply"]
        == "v2: y"
    )

    assert pixel(["rollback", slug, "--target", "box", "--json"]) == 0
    back = _json(capsys)
    assert back["status"] == "healthy" and back["image"] == standins.good
    assert (
        httpx.post(f"{back['url']}/chat", json={"message": "z"}, timeout=10).json()["reply"]
        == "v1: z"
    )

    assert pixel(["deployments", "list", slug, "--json"]) == 0
    history = _json(capsys)
    assert [d["status"] for d in history] == ["healthy", "rolled_back", "healthy", "healthy"]
    assert history[0]["config"]["rollback_to"] == first["deployment_id"]
    # Only the rollback serves; v2 (which served through the failed deploy) and v1 were replaced.
    assert [d["serving"] for d in history] == [True, False, False, False]
    assert pixel(["deployments", "list", "no-such-project"]) == 2


def test_cli_check_refuses_an_unknown_host_key_and_trust_yes_fixes_it(
    store, ssh_host, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PIXEL_SSH_KNOWN_HOSTS", raising=False)
    monkeypatch.setenv("PIXEL_SSH_CONFIG", str(ssh_host.identity_config(tmp_path)))
    assert pixel(["targets", "add", "fresh", "--docker-host", ssh_host.docker_url]) == 0
    capsys.readouterr()

    assert pixel(["targets", "check", "fresh"]) == 1
    out = capsys.readouterr().out
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("NOT READY") and "unknown" in verdict and "SHA256:" in verdict

    assert pixel(["targets", "trust", "fresh"]) == 2  # not a terminal and no --yes
    assert "--yes" in capsys.readouterr().err
    assert pixel(["targets", "trust", "fresh", "--yes"]) == 0
    assert "SHA256:" in capsys.readouterr().out
    assert pixel(["targets", "check", "fresh", "--port", str(free_port())]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("READY")
    assert pixel(["targets", "remove", "fresh"]) == 0
    assert pixel(["targets", "remove", "fresh"]) == 2
