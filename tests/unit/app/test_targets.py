"""Target rules, proved once for every front end: name, Docker host URL, kind, TLS files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App
from pixel_desktop.errors import InputError


@pytest.mark.parametrize(
    "url",
    ["ssh://-oProxyCommand=sh", "http://host", "tcp://host", "unix://relative", "ssh://u:pw@host", ""],
)
def test_a_bad_docker_host_url_is_refused_and_nothing_is_stored(app: App, url: str) -> None:
    with pytest.raises(InputError) as err:
        app.targets.add("prod", url, "docker")
    assert "Docker host" in str(err.value)
    assert app.targets.list() == []


def test_a_kind_the_deploy_layer_does_not_know_is_refused(app: App) -> None:
    with pytest.raises(InputError) as err:
        app.targets.add("prod", "ssh://deploy@server.example", "ssh")
    assert str(err.value) == "Invalid target kind 'ssh': use one of docker, swarm."
    assert app.targets.list() == []


def test_the_kinds_offered_are_exactly_the_kinds_accepted(app: App) -> None:
    from pixel_desktop.app import targets

    assert app.targets.KINDS == targets.KINDS == ("docker", "swarm")
    for kind in app.targets.KINDS:
        app.targets.add(f"t-{kind}", "unix:///var/run/docker.sock", kind)
    assert [t.kind for t in app.targets.list()] == list(app.targets.KINDS)


@pytest.mark.parametrize("name", ["", "-x", "has space", "a" * 64])
def test_a_bad_target_name_is_refused(app: App, name: str) -> None:
    with pytest.raises(InputError) as err:
        app.targets.add(name, "unix:///var/run/docker.sock")
    assert "Invalid target name" in str(err.value)


def test_tls_files_only_apply_to_tcp_hosts(app: App, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        app.targets.add("prod", "ssh://deploy@server.example", tls_dir=tmp_path)
    assert str(err.value) == "--tls-dir only applies to tcp:// hosts."
    assert app.targets.list() == []


def test_plain_tcp_without_certificates_is_refused_before_the_store(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCKER_CERT_PATH", raising=False)
    with pytest.raises(InputError):
        app.targets.add("prod", "tcp://server.example:2376")
    assert app.targets.list() == []


def test_a_good_ssh_target_is_stored_as_given(app: App) -> None:
    record = app.targets.add(" prod ", "ssh://deploy@[::1]:2222")
    assert (record.name, record.docker_host, record.kind) == ("prod", "ssh://deploy@[::1]:2222", "docker")
    assert app.targets.is_ssh(record)
