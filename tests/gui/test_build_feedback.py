"""The Builds tab follows a running build in its history row and draws readable chart axes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pixel_desktop.events import LogLine, MetricSample, PhaseChanged
from pixel_desktop.gui.builds_model import Column


def test_a_running_builds_history_row_follows_phase_events_and_keeps_the_selection(qtbot, window, services) -> None:
    project = services.store.projects.get("acme-support-bot")
    older = services.store.builds.create(project.id)
    services.store.builds.set_status(older.id, "completed")
    running = services.store.builds.create(project.id)  # queued in the store; events drive the row
    tab = window.builds_tab
    tab.refresh_history()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 2, timeout=10_000)
    tab.select_history(older.id)
    model = tab.history_model
    row = model.row_of(running.id)
    assert model.text(row, Column.STATUS) == "queued"
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, *_: changed.append(top.row()))
    services.bus.publish(PhaseChanged(running.id, "building"))
    qtbot.waitUntil(lambda: model.text(row, Column.STATUS) == "building", timeout=5_000)
    assert model.build_at(row).started_at is not None
    assert row in changed  # redrawn in place, not by a reload of the whole table
    selected = tab.table.selectionModel().selectedRows()
    assert [model.data(i, Qt.ItemDataRole.UserRole) for i in selected] == [older.id]
    services.bus.publish(PhaseChanged(running.id, "testing"))
    qtbot.waitUntil(lambda: model.text(row, Column.STATUS) == "testing", timeout=5_000)


def test_image_sizes_thirty_bytes_apart_draw_as_a_flat_line_on_a_ten_mb_axis(qtbot, window, services) -> None:
    project = services.store.projects.get("acme-support-bot")
    for size in (215_904_340, 215_904_370):
        build = services.store.builds.create(project.id)
        services.store.builds.update(build.id, size_bytes=size)
        services.store.builds.set_status(build.id, "completed", phases={"building": 0.2, "testing": 0.3})
    tab = window.builds_tab
    tab.refresh_history()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 2, timeout=10_000)
    low, high = tab.size_plot.getViewBox().viewRange()[1]
    assert high - low >= 10.0 and low <= 215.90434 and high >= 215.90437
    _low, phase_top = tab.phase_plot.getViewBox().viewRange()[1]
    assert phase_top >= 5.0  # half-second phases do not fill the chart


def test_live_test_container_charts_have_a_minimum_span_and_the_title_explains_reuse(qtbot, window, services) -> None:
    project = services.store.projects.get("acme-support-bot")
    build = services.store.builds.create(project.id)
    tab = window.builds_tab
    tab.show_build(build.id, live=True)
    reuse = "No generated file changed since build #3: 13 of 13 steps reused from cache; nothing was rebuilt."
    services.bus.publish(LogLine(build.id, "reuse: " + reuse))
    for i in range(5):
        services.bus.publish(MetricSample(build.id, 0.4, 40 * 1_048_576 + i, 1 << 30, ts=100.0 + i * 0.5))
    qtbot.waitUntil(lambda: len(tab.samples) == 5, timeout=5_000)
    qtbot.waitUntil(lambda: reuse in tab.title.text(), timeout=5_000)
    cpu_low, cpu_high = tab.cpu_plot.getViewBox().viewRange()[1]
    assert cpu_low == 0.0 and cpu_high >= 10.0
    mem_low, mem_high = tab.mem_plot.getViewBox().viewRange()[1]
    assert mem_low == 0.0 and mem_high - mem_low >= 16.0


@pytest.mark.docker
@pytest.mark.slow
def test_a_real_build_samples_its_test_container_often_and_explains_its_cache_use(
    qtbot, window, services, docker_host: str, base_image: str
) -> None:
    services.settings = services.settings.model_copy(update={"docker_host": docker_host, "base_image": base_image})
    finished: list = []
    window.bridge.build_finished.connect(finished.append)
    window.build_action.trigger()
    qtbot.waitUntil(lambda: bool(window.active_builds), timeout=60_000)
    tab = window.builds_tab
    build_id = tab.build_id
    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=1_200_000)
    event = next(e for e in finished if e.build_id == build_id)
    assert event.status == "completed", event.error
    # dockerd serves a container's stats at most once a second (measured: a one-shot read
    # answers at once, the next ones on the daemon's 1 s tick); before, a point took ~3 s.
    # So: a point per whole second of the test phase, and two at least (a line, not a dot);
    # the sample's test phase now lasts 2.5-6 s, so a fixed floor of 4 failed a fast one.
    testing_s = event.result["phases"]["testing"]
    assert len(tab.samples) >= max(2, int(testing_s)), (
        f"{len(tab.samples)} CPU/memory samples in a {testing_s:.1f} s test phase"
    )
    assert "steps reused from cache" in event.result["reuse"]
    assert event.result["reuse"] in tab.title.text()
    log = services.app.builds.log(build_id)
    assert log[-1].startswith("COMPLETED") and log[-2] == "reuse: " + event.result["reuse"]
