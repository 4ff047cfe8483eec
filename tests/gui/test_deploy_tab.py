"""Deploy tab against the real Docker daemon: deploy → healthy with a live chart, rollback,
and an actionable verdict for a dead target.

The project is a copy of the sample under a unique slug and a free port, so the containers
this test deploys (and removes at teardown, by their ``pixel.project`` label) can never be
another test's or a developer's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pixel_desktop import paths
from pixel_desktop.gui.deploy_history_model import Column
from pixel_desktop.spec import ProjectSpec, load_spec_file

pytestmark = [pytest.mark.docker, pytest.mark.slow]
BUILD_TIMEOUT_S = 1_200
DEPLOY_TIMEOUT_MS = 240_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _docker(host: str, *args: str) -> str:
    env = {**os.environ, "DOCKER_HOST": host}
    return subprocess.run(["docker", *args], env=env, check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture
def unique_project(services, secret_service) -> Iterator[str]:
    """A unique copy of the sample (own slug, free port) with its secret in the keyring."""
    sample = load_spec_file(paths.sample_spec_file())
    data = sample.model_dump(mode="json")
    data["name"] = f"Deploy Tab {uuid.uuid4().hex[:8]}"
    data.pop("slug", None)
    data["deployment"]["port"] = _free_port()
    spec = ProjectSpec.model_validate(data)
    record = services.create_project(spec)
    slug = record.slug
    for name in spec.deployment.secret_env:
        services.set_project_secret(record, name, f"test-{name.lower()}")
    try:
        yield slug
    finally:
        for name in spec.deployment.secret_env:
            services.secret_store().delete_project_secret(record, name)


@pytest.fixture
def deploy_project(services, docker_host: str, base_image: str, unique_project: str) -> Iterator[str]:
    """``unique_project`` on the test daemon; its containers are removed at teardown."""
    services.settings = services.settings.model_copy(update={"docker_host": docker_host, "base_image": base_image})
    slug = unique_project
    try:
        yield slug
    finally:
        ids = _docker(docker_host, "ps", "-aq", "--filter", f"label=pixel.project={slug}").split()
        if ids:
            _docker(docker_host, "rm", "-f", *ids)


def _open(qtbot, window, slug: str):
    window.refresh_projects(select=slug)
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == slug, timeout=20_000)
    tab = window.deploy_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh()
    return tab


def _cell(tab, row: int, column: Column) -> str:
    """What the history table shows in a named column."""
    return tab.history_model.text(row, column)


def _cell_color(tab, row: int, column: Column) -> str:
    index = tab.history_model.index(row, column)
    return tab.history_model.data(index, Qt.ItemDataRole.ForegroundRole).color().name()


def _wait_run(qtbot, tab) -> object:
    """The record the run returned, once the history table shows it."""
    qtbot.waitUntil(lambda: not tab.running, timeout=DEPLOY_TIMEOUT_MS)
    record = tab.last_record
    assert record is not None, tab.title.text()
    qtbot.waitUntil(lambda: bool(tab.history) and tab.history[0].id == record.id, timeout=20_000)
    assert tab.history[0].status == record.status
    return tab.history[0]


def test_deploy_from_tab_is_healthy_charts_samples_and_rollback_restores_previous_image(
    qtbot, window, services, docker_host: str, deploy_project: str
) -> None:
    slug = deploy_project
    first = services.submit_build(slug)
    second = services.submit_build(slug)
    for build_id in (first, second):
        build = services.engine.wait(build_id, timeout=BUILD_TIMEOUT_S)
        assert build.status == "completed", build.error_message
    services.add_target("local", docker_host, "docker")

    tab = _open(qtbot, window, slug)
    qtbot.waitUntil(lambda: tab.build_combo.count() == 2 and tab.target == "local", timeout=20_000)
    assert tab.build_id == second, "the newest completed build is the default"
    assert not tab.rollback_button.isEnabled(), "nothing to roll back to yet"

    # Deploy the older build first so a rollback later has a different image to return to.
    tab.build_combo.setCurrentIndex(tab.build_combo.findData(first))
    tab.via_combo.setCurrentIndex(tab.via_combo.findData("load"))
    tab.deploy_button.click()
    assert tab.running and not tab.deploy_button.isEnabled() and not tab.rollback_button.isEnabled()
    dep1 = _wait_run(qtbot, tab)
    assert dep1.status == "healthy", dep1.error_message
    assert dep1.build_id == first and dep1.url
    log = tab.stage_log.toPlainText()
    assert "[health]" in log and "finished: healthy" in log
    assert _cell(tab, 0, Column.STATUS) == "healthy"
    assert _cell_color(tab, 0, Column.STATUS) == "#1a7f37"
    assert _cell(tab, 0, Column.URL) == dep1.url
    tab.select_deployment(dep1.id)
    assert tab.copy_url() == dep1.url

    # The chart polls the live container while the tab is visible.
    qtbot.waitUntil(lambda: len(tab.samples) >= 2, timeout=30_000)
    sample = tab.samples[-1]
    assert sample.healthy and sample.health_latency_ms is not None
    assert sample.memory_bytes > 1_048_576  # a running Python service uses more than 1 MiB
    xs, mem = tab.mem_curve.getData()
    assert len(xs) == len(tab.samples) and max(mem) > 1
    _, lat = tab.lat_curve.getData()
    assert len(lat) >= 1

    # Second deploy (newest build), then roll back to the first one's image.
    tab.build_combo.setCurrentIndex(tab.build_combo.findData(second))
    tab.deploy_button.click()
    dep2 = _wait_run(qtbot, tab)
    assert dep2.status == "healthy", dep2.error_message
    assert dep2.image_ref != dep1.image_ref
    qtbot.waitUntil(tab.rollback_button.isEnabled, timeout=10_000)
    tab.rollback_button.click()
    assert not tab.deploy_button.isEnabled()
    dep3 = _wait_run(qtbot, tab)
    assert dep3.status == "healthy", dep3.error_message
    assert dep3.id > dep2.id and dep3.image_ref == dep1.image_ref
    running = _docker(docker_host, "ps", "-q", "--filter", f"label=pixel.project={slug}").split()
    assert len(running) == 1, "the rolled-back container replaced the previous one"

    # Hidden tab: no polling.
    window.tabs.setCurrentWidget(window.builds_tab)
    assert not tab._sample_timer.isActive()


def test_target_check_for_a_dead_socket_shows_an_actionable_verdict(qtbot, window, services, tmp_path: Path) -> None:
    socket_path = tmp_path / "no-docker-here.sock"
    services.add_target("dead", f"unix://{socket_path}", "docker")
    tab = _open(qtbot, window, "acme-support-bot")
    qtbot.waitUntil(lambda: tab.target == "dead", timeout=20_000)
    tab.check_button.click()
    qtbot.waitUntil(lambda: "NOT READY" in tab.verdict_label.text(), timeout=60_000)
    text = tab.verdict_label.text()
    assert str(socket_path) in text, text
    assert "daemon running" in text, "the verdict says what to check"
    assert "Traceback" not in text
    assert tab.last_check is not None and not tab.last_check.ok
    assert "#cf222e" in tab.verdict_label.styleSheet()
    # No completed build: Deploy stays disabled and the picker says why.
    assert not tab.deploy_button.isEnabled()
    assert "build the project first" in tab.build_combo.currentText()


def test_deploy_errors_reach_the_banner_as_one_sentence_and_the_buttons_come_back(
    qtbot, window, services, unique_project: str, tmp_path: Path
) -> None:
    slug = unique_project
    project = services.get_project(slug)
    # A completed build record (never pushed): enough for the deploy planner, no daemon needed.
    build = services.store.builds.create(project.id)
    services.store.builds.set_status(build.id, "completed", image_name=f"pixel/acme-corp/{slug}:b{build.id}")
    services.add_target("dead", f"unix://{tmp_path / 'gone.sock'}", "docker")
    tab = _open(qtbot, window, slug)
    qtbot.waitUntil(lambda: tab.target == "dead" and tab.build_id == build.id, timeout=20_000)

    # Planner refusal (raised): via registry for a build that was never pushed.
    tab.via_combo.setCurrentIndex(tab.via_combo.findData("registry"))
    tab.deploy_button.click()
    qtbot.waitUntil(lambda: not tab.running, timeout=60_000)
    assert tab.last_record is None
    banner = window.banner.text()
    assert window.banner.level == "error" and "was not pushed to a registry" in banner, banner
    assert "--via load" in banner and "Traceback" not in banner
    assert "error: " in tab.stage_log.toPlainText()
    assert tab.deploy_button.isEnabled()

    # Rollout failure (recorded, not raised): the dead socket fails the deployment.
    tab.via_combo.setCurrentIndex(tab.via_combo.findData("load"))
    tab.deploy_button.click()
    record = _wait_run(qtbot, tab)
    assert record.status == "failed"
    banner = window.banner.text()
    assert "failed" in banner and "gone.sock" in banner and "Traceback" not in banner, banner
    assert _cell(tab, 0, Column.STATUS) == "failed"
    assert _cell_color(tab, 0, Column.STATUS) == "#cf222e"
    assert "gone.sock" in _cell(tab, 0, Column.ERROR)
    assert tab.deploy_button.isEnabled() and not tab.rollback_button.isEnabled()


STANDIN_SERVER = Path(__file__).resolve().parents[1] / "integration" / "deploy" / "standin_server.py"


def _standin(docker_host: str, base_image: str, mode: str, version: str, tmp_path: Path) -> str:
    """A tiny stand-in of the generated service (/health answers 200, or 500 with ``bad``)."""
    tag = f"pixel-guitest/standin:{mode}{version}"
    ctx = tmp_path / f"standin-{mode}{version}"
    ctx.mkdir()
    (ctx / "server.py").write_bytes(STANDIN_SERVER.read_bytes())
    (ctx / "Dockerfile").write_text(
        f"FROM {base_image}\nENV STANDIN_MODE={mode} STANDIN_VERSION={version}\n"
        'COPY server.py /srv/server.py\nCMD ["python3", "/srv/server.py"]\n',
        encoding="utf-8",
    )
    _docker(docker_host, "build", "-q", "-t", tag, str(ctx))
    return tag


def _completed_build(services, slug: str, image: str) -> int:
    project = services.get_project(slug)
    build = services.store.builds.create(project.id)
    services.store.builds.set_status(build.id, "completed", image_name=image)
    return build.id


def test_cancel_during_the_health_check_ends_cancelled_and_the_previous_version_keeps_serving(
    qtbot, window, services, docker_host: str, base_image: str, deploy_project: str, tmp_path: Path
) -> None:
    import httpx

    slug = deploy_project
    good = _completed_build(services, slug, _standin(docker_host, base_image, "good", "1", tmp_path))
    # /health answers 500: the candidate sits in its health check (60 s) until cancelled.
    bad = _completed_build(services, slug, _standin(docker_host, base_image, "bad", "2", tmp_path))
    services.add_target("local", docker_host, "docker")
    tab = _open(qtbot, window, slug)
    qtbot.waitUntil(lambda: tab.build_combo.count() == 2 and tab.target == "local", timeout=20_000)
    tab.via_combo.setCurrentIndex(tab.via_combo.findData("load"))
    assert not tab.cancel_button.isVisible(), "no Cancel while nothing runs"

    tab.build_combo.setCurrentIndex(tab.build_combo.findData(good))
    tab.deploy_button.click()
    first = _wait_run(qtbot, tab)
    assert first.status == "healthy", first.error_message
    assert httpx.get(first.url + "/health", timeout=5).status_code == 200

    tab.build_combo.setCurrentIndex(tab.build_combo.findData(bad))
    tab.deploy_button.click()
    qtbot.waitUntil(lambda: tab.cancel_button.isVisible() and tab.cancel_button.isEnabled(), timeout=20_000)
    qtbot.waitUntil(lambda: "[health]" in tab.stage_log.toPlainText(), timeout=60_000)
    assert tab.running, "the candidate is still being checked"
    tab.cancel_button.click()
    assert not tab.cancel_button.isEnabled(), "one cancel request"
    record = _wait_run(qtbot, tab)

    assert record.status == "cancelled", (record.status, record.error_message)
    assert record.error_message, "the record says what was left running"
    assert tab.last_record.status == "cancelled"
    assert _cell(tab, 0, Column.STATUS) == "cancelled"
    assert window.banner.level == "warning" and "cancelled" in window.banner.text()
    assert not tab.cancel_button.isVisible() and tab.deploy_button.isEnabled()
    # The previous version still serves, and it is the only container left.
    assert httpx.get(first.url + "/health", timeout=5).json()["version"] == "1"
    running = _docker(docker_host, "ps", "-q", "--filter", f"label=pixel.project={slug}").split()
    assert len(running) == 1
    labels = _docker(docker_host, "inspect", "-f", '{{index .Config.Labels "pixel.deployment"}}', running[0]).strip()
    assert labels == str(first.id)
