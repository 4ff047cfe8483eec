"""`pixel-desktop` paints its main window's frame before the heavy parts are imported (issue 16).

The frame (menus, toolbar, the project tree saying "Loading projects…", the tab bar, the
status line) comes from light modules; the tabs, the services (settings, pydantic, the spec
model) and the chart library (pyqtgraph, numpy) are imported right after the first frame,
and each chart makes its pyqtgraph plot when first shown — drawing then what it was sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtWidgets import QWidget

from pixel_desktop.events import MetricSample
from pixel_desktop.gui.project_sidebar import LOADING_TEXT

ROOT = Path(__file__).resolve().parents[2]

# Runs `pixel-desktop` (its main(), no options: the window a user opens) and reports what was
# imported and shown at the window's first Paint event, then what the Builds tab shows once opened.
FIRST_PAINT_PROBE = textwrap.dedent(
    """
    import json, os, sys
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    import pixel_desktop.gui.app as app_mod

    app_mod._ask_import_sample = lambda parent=None: True  # the first-run question: yes
    report = {}

    def heavy():
        return {name: name in sys.modules for name in (
            "pyqtgraph", "numpy", "pydantic", "pixel_desktop.settings", "pixel_desktop.gui.services",
            "pixel_desktop.gui.editor", "pixel_desktop.gui.builds_tab", "pixel_desktop.spec")}

    def finish():
        print(json.dumps(report), flush=True)
        os._exit(0)

    def after_load(window, started):
        if not window.attached or window.record is None or window.tasks.pending:
            if started > 400:
                report["error"] = "the project did not load"
                finish()
            QTimer.singleShot(50, lambda: after_load(window, started + 1))
            return
        tab = window.builds_tab
        report["loaded"] = {"record": window.record.slug, "charts_made_while_hidden": tab.cpu_plot.made,
                            "pyqtgraph": "pyqtgraph" in sys.modules}
        window.tabs.setCurrentWidget(tab)
        QApplication.processEvents()
        report["builds_open"] = {"charts_made": [p.made for p in (tab.cpu_plot, tab.mem_plot, tab.phase_plot, tab.size_plot)],
                                 "pyqtgraph": "pyqtgraph" in sys.modules, "visible": tab.cpu_plot.plot_widget.isVisible()}
        finish()

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and "first_paint" not in report:
                window = watched.window()
                if isinstance(window, QMainWindow):
                    report["first_paint"] = {
                        "imported": heavy(), "title": window.windowTitle(),
                        "tabs": [window.tabs.tabText(i) for i in range(window.tabs.count())],
                        "count_label": window.sidebar.count_label.text(),
                        "store_label": window.store_label.text(), "attached": window.attached,
                        "actions_enabled": {a.iconText(): a.isEnabled() for a in (window.new_action, window.import_action,
                                            window.settings_action, window.save_action)},
                    }
                    QTimer.singleShot(0, lambda: after_load(window, 0))
            return False

    app = QApplication(sys.argv[:1])
    probe = FirstPaint()
    app.installEventFilter(probe)
    app_mod.main([])
    report["error"] = "the window closed"
    finish()
    """
)


def test_the_first_frame_is_painted_before_the_tabs_settings_and_chart_library_are_imported(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PIXEL_HOME": str(tmp_path / "home"),
           "PIXEL_STORE_URL": f"sqlite:///{tmp_path / 'pixel.db'}"}
    result = subprocess.run([sys.executable, "-c", FIRST_PAINT_PROBE], capture_output=True, text=True,
                            timeout=120, env=env, cwd=ROOT)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stderr
    report = json.loads(lines[-1])
    assert "error" not in report, (report, result.stderr)

    first = report["first_paint"]
    assert not any(first["imported"].values()), first["imported"]
    # The frame a user sees first: the real window, busy, with nothing to click into yet.
    assert first["title"] == "Pixel AI Creator"
    assert first["tabs"] == ["Editor", "Files", "Builds", "Deploy", "Evaluate"]
    assert first["count_label"] == LOADING_TEXT and first["store_label"] == "Store: opening…"
    assert not first["attached"] and not any(first["actions_enabled"].values())

    # Then the window fills in; the charts wait for their tab, and draw once it opens.
    assert report["loaded"] == {"record": "acme-support-bot", "charts_made_while_hidden": False, "pyqtgraph": False}
    assert report["builds_open"] == {"charts_made": [True] * 4, "pyqtgraph": True, "visible": True}


def test_the_frame_alone_is_busy_and_attach_puts_the_tabs_in_place(qtbot, services) -> None:
    from pixel_desktop.gui.main_window import MainWindow

    win = MainWindow(None, periodic_checks=False)
    win.confirm_close = False
    qtbot.addWidget(win)
    try:
        win.show()
        qtbot.waitExposed(win)
        assert win.sidebar.loading and win.count_label.text() == LOADING_TEXT
        assert not win.new_action.isEnabled() and not win.settings_action.isEnabled()
        blank = win.tabs.widget(0)
        win.tabs.setCurrentIndex(2)  # a tab chosen before the pages exist stays chosen
        win.attach(services)
        assert [win.tabs.widget(i) for i in range(5)] == [win.editor, win.files_tab, win.builds_tab, win.deploy_tab, win.eval_tab]
        assert win.tabs.currentWidget() is win.builds_tab and blank is not win.editor
        assert win.new_action.isEnabled() and win.settings_action.isEnabled()
        corner = win.try_panel.open_button
        assert corner.isVisible() and corner.geometry().left() > win.tabs.tabBar().geometry().right()
        win.start(select="acme-support-bot")
        qtbot.waitUntil(lambda: win.record is not None, timeout=15_000)
    finally:
        win.shutdown()


def test_a_window_closed_before_its_tabs_exist_closes_cleanly(qtbot) -> None:
    from pixel_desktop.gui.main_window import FIRST_PAINT_WAIT_MS, MainWindow

    win = MainWindow(None, periodic_checks=False)
    qtbot.addWidget(win)
    called: list[bool] = []
    win.show()
    win.after_first_paint(lambda: called.append(True))
    assert win.close()
    qtbot.wait(FIRST_PAINT_WAIT_MS + 100)
    assert not called  # nothing is built for a window that is gone


def test_charts_sent_data_while_their_tab_is_hidden_draw_it_when_the_tab_opens(qtbot, window, services) -> None:
    project = services.store.projects.get("acme-support-bot")
    build = services.store.builds.create(project.id)
    tab = window.builds_tab
    assert window.tabs.currentWidget() is not tab and not tab.cpu_plot.made
    tab.show_build(build.id, live=True)
    for i in range(4):
        services.bus.publish(MetricSample(build.id, 10.0 * (i + 1), (50 + i) * 1_048_576, 1 << 30, ts=100.0 + i))
    qtbot.waitUntil(lambda: len(tab.samples) == 4, timeout=5_000)
    assert not tab.cpu_plot.made  # nothing drawn for a tab nobody looks at

    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.cpu_plot.made and tab.mem_plot.made, timeout=5_000)
    plot = tab.cpu_plot.plot_widget
    assert isinstance(plot, QWidget) and plot.isVisible()
    xs, ys = tab.cpu_curve.getData()
    assert list(ys) == [10.0, 20.0, 30.0, 40.0] and len(xs) == 4
    assert "CPU: 40 %" in plot.getPlotItem().titleLabel.text
    # Live updates go straight to the shown chart.
    services.bus.publish(MetricSample(build.id, 55.0, 60 * 1_048_576, 1 << 30, ts=104.0))
    qtbot.waitUntil(lambda: len(tab.cpu_curve.getData()[1]) == 5, timeout=5_000)
    assert tab.cpu_curve.getData()[1][-1] == 55.0
