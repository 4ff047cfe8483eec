"""Build history as a table model with named columns; status bar queue counts from events."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pixel_desktop.events import BuildFinished, PhaseChanged
from pixel_desktop.gui import theme
from pixel_desktop.gui.builds_model import BUILD_ID_ROLE, HEADERS, Column


def test_history_rows_are_read_by_column_name_with_status_colour_and_tooltips(qtbot, window, services) -> None:
    project = services.store.projects.get("acme-support-bot")
    build = services.store.builds.create(project.id, runner_host="beta@build-box")
    services.store.builds.set_status(build.id, "failed", error_message="Base image missing")
    tab = window.builds_tab
    tab.refresh_history()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 1, timeout=10_000)
    model = tab.history_model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == list(HEADERS.values())
    assert model.text(0, Column.ID) == str(build.id)
    assert model.text(0, Column.STATUS) == "failed"
    assert model.text(0, Column.RUNNER) == "beta@build-box"  # the worker that ran it
    status = model.index(0, Column.STATUS)
    assert model.data(status, Qt.ItemDataRole.ForegroundRole).name() == theme.DANGER
    assert model.data(model.index(0, Column.IMAGE), Qt.ItemDataRole.ToolTipRole) == "Base image missing"
    assert all(model.data(model.index(0, c), BUILD_ID_ROLE) == build.id for c in Column)


def test_queue_counts_follow_build_events_without_polling(qtbot, window, services) -> None:
    assert not hasattr(window, "_counts_timer")
    qtbot.waitUntil(lambda: window.queue_label.text() == "Queue: 0 running · 0 queued", timeout=10_000)
    bus = services.bus
    bus.publish(PhaseChanged(901, "queued"))
    bus.publish(PhaseChanged(902, "queued"))
    qtbot.waitUntil(lambda: window.queue_label.text() == "Queue: 0 running · 2 queued", timeout=5_000)
    bus.publish(PhaseChanged(901, "building"))
    qtbot.waitUntil(lambda: window.queue_label.text() == "Queue: 1 running · 1 queued", timeout=5_000)
    bus.publish(BuildFinished(901, "completed"))
    bus.publish(BuildFinished(902, "cancelled"))
    qtbot.waitUntil(lambda: window.queue_label.text() == "Queue: 0 running · 0 queued", timeout=5_000)
