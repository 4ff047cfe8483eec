"""Which build server may take a build: the fingerprint and the private socket folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.app.build_server import identity, wire
from pixel_desktop.events import BuildFinished, LogLine, MetricSample, PhaseChanged, StepProgress


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short runtime folder, as a session's /run/user/UID is (pytest's tmp_path is too
    deep for a Unix socket path)."""
    folder = Path(tempfile.mkdtemp(prefix="pxr"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_shell_change_that_cannot_change_a_build_keeps_the_fingerprint() -> None:
    env = {"PATH": "/usr/bin", "DOCKER_HOST": "unix:///var/run/docker.sock", "OLDPWD": "/a", "SHLVL": "1"}
    moved = {**env, "OLDPWD": "/b", "SHLVL": "3", "_": "/usr/bin/pixel", "COLUMNS": "200"}
    assert identity.fingerprint(None, environ=env, cwd="/w") == identity.fingerprint(None, environ=moved, cwd="/w")


@pytest.mark.parametrize(
    "change",
    [
        {"DOCKER_HOST": "ssh://builder@example.com"},
        {"PIXEL_STORE_URL": "postgresql+psycopg://team@db/pixel"},
        {"PIXEL_BASE_IMAGE": "python:3.11-slim"},
        {"HTTPS_PROXY": "http://proxy:3128"},
        {"SOME_TOOL_SETTING": "1"},
    ],
)
def test_any_other_environment_change_gets_another_server(change: dict[str, str]) -> None:
    env = {"PATH": "/usr/bin", "DOCKER_HOST": "unix:///var/run/docker.sock"}
    assert identity.fingerprint(None, environ=env, cwd="/w") != identity.fingerprint(
        None, environ={**env, **change}, cwd="/w"
    )


def test_the_store_argument_and_the_settings_file_are_part_of_it() -> None:
    env = {"PATH": "/usr/bin"}
    base = identity.fingerprint(None, environ=env, cwd="/w")
    assert identity.fingerprint("sqlite:////data/other.db", environ=env, cwd="/w") != base
    paths.settings_file().write_text(json.dumps({"build_concurrency": 1}), encoding="utf-8")
    assert identity.fingerprint(None, environ=env, cwd="/w") != base


def test_the_working_folder_counts_only_when_a_path_the_build_reads_is_relative_to_it() -> None:
    env = {"PATH": "/usr/bin", "PIXEL_HOME": "/data/pixel"}
    assert identity.fingerprint(None, environ=env, cwd="/a") == identity.fingerprint(None, environ=env, cwd="/b")
    for relative in ({"PIXEL_TEMPLATES_DIR": "templates"}, {"DOCKER_CERT_PATH": "certs"}):
        rel = {**env, **relative}
        assert identity.fingerprint(None, environ=rel, cwd="/a") != identity.fingerprint(None, environ=rel, cwd="/b")
    store = "sqlite:///pixel.db"
    assert identity.fingerprint(store, environ=env, cwd="/a") != identity.fingerprint(store, environ=env, cwd="/b")


def test_pyinstaller_bootloader_bookkeeping_is_not_part_of_it() -> None:
    env = {"PATH": "/usr/bin"}
    frozen_child = {**env, "_PYI_PARENT_PROCESS_LEVEL": "1", "_PYI_ARCHIVE_FILE": "/opt/pixel/pixel",
                    "PYINSTALLER_RESET_ENVIRONMENT": "1", "LD_LIBRARY_PATH_ORIG": "/usr/local/lib"}
    assert identity.fingerprint(None, environ=frozen_child, cwd="/w") == identity.fingerprint(None, environ=env, cwd="/w")


def test_the_switch_itself_is_not_part_of_it() -> None:
    env = {"PATH": "/usr/bin"}
    assert identity.fingerprint(None, environ={**env, "PIXEL_BUILD_SERVER": "on"}, cwd="/w") == identity.fingerprint(
        None, environ=env, cwd="/w"
    )


@pytest.mark.parametrize("value", ["off", "OFF", "0", "false", "no"])
def test_off_values_turn_it_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXEL_BUILD_SERVER", value)
    assert identity.disabled()


def test_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIXEL_BUILD_SERVER", raising=False)
    assert not identity.disabled()


def test_the_socket_folder_is_private_to_the_user(runtime: Path) -> None:
    ident = identity.current(None)
    assert ident is not None
    assert ident.socket_path.parent == runtime / paths.APP_NAME
    assert os.stat(ident.folder).st_mode & 0o777 == 0o700


def test_a_socket_folder_others_can_enter_is_not_used(runtime: Path) -> None:
    (runtime / paths.APP_NAME).mkdir(mode=0o755)
    os.chmod(runtime / paths.APP_NAME, 0o755)
    assert identity.current(None) is None


def test_a_socket_folder_that_is_a_symlink_is_not_used(runtime: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (runtime / paths.APP_NAME).symlink_to(elsewhere)
    assert identity.current(None) is None


def test_a_socket_path_too_long_for_the_os_means_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / ("d" * 90)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    assert identity.current(None) is None


def test_every_event_a_pixel_build_shows_crosses_the_wire_unchanged() -> None:
    events = [
        LogLine(7, "Step 1/24 : FROM python", source="docker"),
        PhaseChanged(7, "building"),
        StepProgress(7, 3, 24, "COPY main.py /app/main.py"),
        BuildFinished(7, "completed", None, {"duration_s": 0.8, "phases": {"building": 0.7}}),
    ]
    for event in events:
        message = json.loads(wire.dump(wire.encode_event(event) or {}))
        assert wire.decode_event(message) == event


def test_events_a_pixel_build_does_not_show_stay_on_the_server() -> None:
    assert wire.encode_event(MetricSample(7, 12.5, 1000)) is None
    assert wire.decode_event({"type": "event", "event": "MetricSample", "fields": {}}) is None
    assert wire.decode_event({"type": "event", "event": "LogLine", "fields": {"nope": 1}}) is None
