"""Builds from the window against the real Docker daemon: completion with live charts, cancel."""

from __future__ import annotations

import time

import pytest
from services import docker_cli

from pixel_desktop.gui.builds_model import Column
from pixel_desktop.spec import ProjectSpec

pytestmark = [pytest.mark.docker, pytest.mark.slow]
BUILD_TIMEOUT_MS = 1_200_000


@pytest.fixture
def docker_window(window, services, docker_host: str, base_image: str):
    services.settings = services.settings.model_copy(
        update={"docker_host": docker_host, "base_image": base_image}
    )
    return window


def _finished_events(window) -> list:
    events: list = []
    window.bridge.build_finished.connect(events.append)
    return events


def test_build_reaches_completed_with_charts_receiving_samples(qtbot, docker_window, services) -> None:
    window = docker_window
    finished = _finished_events(window)
    window.build_action.trigger()
    qtbot.waitUntil(lambda: bool(window.active_builds), timeout=60_000)
    build_id = window.builds_tab.build_id
    assert build_id in window.active_builds
    assert window.cancel_action.isEnabled()
    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=BUILD_TIMEOUT_MS)
    event = next(e for e in finished if e.build_id == build_id)
    assert event.status == "completed", event.error

    tab = window.builds_tab
    assert tab.samples, "the CPU/memory charts received no MetricSample"
    xs, ys = tab.cpu_curve.getData()
    assert xs is not None and len(ys) == len(tab.samples)
    _, mem = tab.mem_curve.getData()
    assert max(mem) > 1  # MiB: a running Python service uses more than 1 MiB
    assert tab.phases.current == "completed"
    assert tab.step_bar.value() == tab.step_bar.maximum() > 1
    assert "COMPLETED" in tab.log.toPlainText() or "completed" in tab.log.toPlainText().lower()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() >= 1 and tab.history_model.text(0, Column.STATUS) == "completed", timeout=20_000)
    assert tab.history_model.text(0, Column.SIZE).endswith("MB")
    assert not window.cancel_action.isEnabled()

    # The Files tab now diffs against this build's artifacts.
    files = window.files_tab
    qtbot.waitUntil(lambda: bool(files.baseline), timeout=20_000)
    assert f"build #{build_id}" in files.baseline_label_text
    files.select_path("Dockerfile")
    files.set_diff_mode(True)
    assert "unchanged since" in files.viewer.toPlainText()

    # A past build's log is read back from the store when its row is selected.
    tab.show_build(None)
    tab.select_history(build_id)
    qtbot.waitUntil(lambda: "COMPLETED" in tab.log.toPlainText() or "test 1/" in tab.log.toPlainText(), timeout=20_000)


def _test_containers(docker_host: str, build_id: int) -> list[str]:
    """Ids of the build's test containers on the test daemon (running or not)."""
    labels = ("--filter", f"label=pixel.build-id={build_id}", "--filter", "label=pixel.role=test")
    return docker_cli(docker_host, "ps", "-aq", *labels).stdout.split()


def test_cancel_stops_a_running_build_and_removes_its_test_container(
    qtbot, docker_window, services, docker_host: str
) -> None:
    """Cancel during the container test: the build ends cancelled and the test container is
    gone from the daemon (a cancelled build that leaves its container running keeps the
    client's secrets in its env and holds memory until someone notices)."""
    window = docker_window
    record = services.store.projects.get("acme-support-bot")
    many_tests = [*record.spec.tests, *[
        {"ask": f"How do I reset my password? ({i})", "expect_contains": ["Forgot password"]} for i in range(60)
    ]]
    spec = ProjectSpec.model_validate({**record.spec.model_dump(mode="json"), "tests": many_tests})
    services.store.projects.update(record.slug, spec, record.version)
    window.refresh_projects(select=record.slug)
    window.record = None
    window.select_project(record.slug)
    qtbot.waitUntil(lambda: window.record is not None and window.record.version == record.version + 1, timeout=20_000)

    finished = _finished_events(window)
    phases: list[str] = []
    window.bridge.phase_changed.connect(lambda e: phases.append(e.phase))
    window.build()
    qtbot.waitUntil(lambda: "testing" in phases, timeout=BUILD_TIMEOUT_MS)
    build_id = window.builds_tab.build_id
    try:
        # The container exists before the cancel, so "gone" below is not vacuous.
        qtbot.waitUntil(lambda: bool(_test_containers(docker_host, build_id)), timeout=60_000)
        window.cancel_action.trigger()
        qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=120_000)
        event = next(e for e in finished if e.build_id == build_id)
        assert event.status == "cancelled"
        assert window.builds_tab.phases.current == "cancelled"
        assert services.store.builds.get(build_id).status == "cancelled"
        deadline = time.monotonic() + 5
        while _test_containers(docker_host, build_id) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _test_containers(docker_host, build_id) == [], "the test container survived the cancel"
    finally:
        for cid in _test_containers(docker_host, build_id):
            docker_cli(docker_host, "rm", "-f", cid, check=False)


@pytest.mark.registry
@pytest.mark.keyring
def test_build_and_push_records_the_pushed_digest(qtbot, docker_window, services, registry, secret_service) -> None:
    window = docker_window
    services.save_registry(
        "test-reg", registry.address, registry.username, registry.password, True, existing=False
    )
    finished = _finished_events(window)
    window.build(push_registry="test-reg")
    qtbot.waitUntil(lambda: bool(window.active_builds), timeout=60_000)
    build_id = window.builds_tab.build_id
    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=BUILD_TIMEOUT_MS)
    event = next(e for e in finished if e.build_id == build_id)
    assert event.status == "completed", event.error
    tab = window.builds_tab
    assert "pushing" in tab.phases.seen
    qtbot.waitUntil(lambda: tab.history_model.rowCount() >= 1 and tab.history_model.text(0, Column.DIGEST).startswith("sha256:"), timeout=20_000)
    assert registry.address in tab.history_model.text(0, Column.IMAGE)
