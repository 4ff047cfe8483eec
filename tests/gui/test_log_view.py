"""Build log view: bounded, filterable, searchable, copyable; Save writes the full log from disk."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from pixel_desktop.gui.logview import MAX_VIEW_LINES, LogView


def test_log_view_is_bounded_and_filters_its_recent_lines(qtbot) -> None:
    view = LogView()
    qtbot.addWidget(view)
    view.append_lines([f"step {i} {'ERROR' if i % 1000 == 0 else 'ok'}" for i in range(MAX_VIEW_LINES * 2)])
    assert view.blockCount() == MAX_VIEW_LINES
    assert view.toPlainText().splitlines()[-1] == f"step {MAX_VIEW_LINES * 2 - 1} ok"
    view.set_filter("error")
    lines = view.toPlainText().splitlines()
    assert lines and all("ERROR" in line for line in lines)
    view.set_filter("")
    assert view.blockCount() == MAX_VIEW_LINES
    assert view.find_next("step 9000 ERROR")
    assert view.textCursor().selectedText() == "step 9000 ERROR"


def test_history_row_loads_the_past_log_and_save_writes_every_line(qtbot, window, services, tmp_path) -> None:
    project = services.store.projects.get("acme-support-bot")
    build = services.store.builds.create(project.id)
    lines = [f"past line {i}" for i in range(MAX_VIEW_LINES + 500)]
    services.store.builds.append_log(build.id, lines)
    services.store.builds.set_status(build.id, "failed", error_message="Base image missing: run make-local-base-image.sh")
    tab = window.builds_tab
    tab.refresh_history()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 1, timeout=10_000)
    tab.select_history(build.id)
    qtbot.waitUntil(lambda: "past line" in tab.log.toPlainText(), timeout=10_000)
    assert tab.log.toPlainText().splitlines()[-1] == lines[-1]
    assert "Base image missing" in tab.title.text()
    assert tab.phases.current == "failed"

    tab.copy_log()
    assert QGuiApplication.clipboard().text().splitlines()[-1] == lines[-1]

    out = tmp_path / "saved.log"
    tab.save_log(build.id, out)
    qtbot.waitUntil(out.exists, timeout=10_000)
    assert out.read_text(encoding="utf-8").splitlines() == lines
