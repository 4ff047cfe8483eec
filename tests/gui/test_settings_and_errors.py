"""Settings round trip, daemon-down message, error banner and excepthook, remembered geometry."""

from __future__ import annotations

import sys

from pixel_desktop import paths
from pixel_desktop import settings as settings_mod
from pixel_desktop.errors import DockerUnavailableError
from pixel_desktop.gui import errors as gui_errors
from pixel_desktop.gui.settings_dialog import SettingsDialog
from pixel_desktop.gui.settings_models import RegistryColumn


def test_settings_round_trip_through_the_dialog(qtbot, window, services, tmp_path) -> None:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    other_store = f"sqlite:///{tmp_path / 'other.db'}"
    dialog.store_edit.setText(other_store)
    dialog.docker_edit.setText("unix:///run/elsewhere.sock")
    dialog.base_image_edit.setText("pixel-local/python:3.11-bookworm")
    dialog.concurrency_spin.setValue(3)
    asked: list[str] = []
    dialog.confirm_unreachable_host = lambda question: asked.append(question) or True  # nothing listens there
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=20_000)
    assert asked and "elsewhere.sock" in asked[0]
    saved = settings_mod.load()
    assert saved.store_url == other_store
    assert saved.docker_host == "unix:///run/elsewhere.sock"
    assert saved.base_image == "pixel-local/python:3.11-bookworm"
    assert saved.build_concurrency == 3
    reopened = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(reopened)
    assert reopened.store_edit.text() == other_store
    assert reopened.concurrency_spin.value() == 3


def test_store_test_connection_reports_success_and_failure(qtbot, window, services, tmp_path) -> None:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.store_edit.setText(f"sqlite:///{tmp_path / 'fresh.db'}")
    dialog.test_store()
    qtbot.waitUntil(lambda: dialog.store_result.text().startswith("✓"), timeout=20_000)
    assert "SQLite" in dialog.store_result.text()
    dialog.store_edit.setText("postgresql+psycopg://nobody@127.0.0.1:1/none")
    dialog.test_store()
    qtbot.waitUntil(lambda: dialog.store_result.text().startswith("✗"), timeout=30_000)
    assert "Traceback" not in dialog.store_result.text()


def test_registries_and_targets_are_added_and_removed(qtbot, window, services) -> None:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.apply_registry("local", "127.0.0.1:5000", "", "", True, existing=False)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 1, timeout=10_000)
    assert dialog.registry_model.text(0, RegistryColumn.ADDRESS) == "127.0.0.1:5000"
    dialog.target_name.setText("staging")
    dialog.target_host.setText("ssh://deploy@staging.example")
    dialog.target_kind.setCurrentText("docker")
    dialog.add_target()
    qtbot.waitUntil(lambda: dialog.target_model.rowCount() == 1, timeout=10_000)
    assert [t.name for t in services.list_targets()] == ["staging"]
    dialog.target_table.selectRow(0)
    dialog.remove_target()
    qtbot.waitUntil(lambda: dialog.target_model.rowCount() == 0, timeout=10_000)
    dialog.registry_table.selectRow(0)
    dialog.remove_registry()
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 0, timeout=10_000)
    dialog.save()  # removals are staged until Save (Cancel would keep both)
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=10_000)
    assert services.list_registries() == []
    assert services.list_targets() == []


def test_a_background_reload_of_the_lists_keeps_the_selected_registry(qtbot, window, services) -> None:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.apply_registry("alpha", "127.0.0.1:5001", "", "", True, existing=False)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 1, timeout=10_000)
    dialog.apply_registry("beta", "127.0.0.1:5002", "", "", True, existing=False)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 2, timeout=10_000)
    row = next(r for r in range(2) if dialog.registry_model.text(r, RegistryColumn.NAME) == "beta")
    dialog.registry_table.selectRow(row)
    dialog.reload_lists()
    window.tasks.wait_idle()
    qtbot.wait(50)  # the reload's answer is delivered on the GUI thread
    assert dialog._selected_name(dialog.registry_table) == "beta"


def test_target_kinds_offered_are_the_ones_the_app_layer_and_cli_accept(qtbot, window, services) -> None:
    from pixel_desktop.app.targets import KINDS

    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    offered = tuple(dialog.target_kind.itemText(i) for i in range(dialog.target_kind.count()))
    assert offered == tuple(KINDS) and "ssh" not in offered


def test_daemon_down_is_shown_in_the_status_bar_with_the_host(qtbot, window, services, tmp_path) -> None:
    dead = f"unix://{tmp_path / 'dead.sock'}"
    services.settings = services.settings.model_copy(update={"docker_host": dead})
    window.check_docker()
    qtbot.waitUntil(lambda: window.daemon_state is not None and not window.daemon_state.ok, timeout=20_000)
    text = window.docker_label.text()
    assert str(tmp_path / "dead.sock") in text
    assert "Traceback" not in text
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.docker_edit.setText(dead)
    dialog.check_docker()
    qtbot.waitUntil(lambda: dialog.docker_result.text().startswith("✗"), timeout=20_000)
    assert "dead.sock" in dialog.docker_result.text()


def test_pixel_errors_show_their_message_in_the_banner(qtbot, window) -> None:
    gui_errors.report_exception(DockerUnavailableError("Docker is not running at unix:///x. Start it."))
    assert window.banner.isVisible()
    assert window.banner.text() == "Docker is not running at unix:///x. Start it."


def test_unexpected_exceptions_are_logged_and_summarised(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    gui_errors.install_excepthook()
    try:
        raise ValueError("boom")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    log_file = paths.logs_dir() / "gui-errors.log"
    assert "ValueError: boom" in log_file.read_text(encoding="utf-8")
    assert str(log_file) in window.banner.text()
    assert "Traceback" not in window.banner.text()


def test_window_geometry_is_remembered(qtbot, services) -> None:
    from pixel_desktop.gui.main_window import MainWindow

    first = MainWindow(services, periodic_checks=False)
    qtbot.addWidget(first)
    first.show()
    first.resize(1111, 777)
    qtbot.waitUntil(lambda: (first.width(), first.height()) == (1111, 777), timeout=5_000)
    first.save_geometry()
    first.shutdown()
    second = MainWindow(services, periodic_checks=False)
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (1111, 777)
    second.shutdown()
    assert (paths.home() / "gui.ini").exists()


def test_build_with_the_daemon_down_fails_with_an_actionable_banner(qtbot, window, services, tmp_path) -> None:
    dead = f"unix://{tmp_path / 'dead.sock'}"
    services.settings = services.settings.model_copy(update={"docker_host": dead})
    finished: list = []
    window.bridge.build_finished.connect(finished.append)
    window.build()
    qtbot.waitUntil(lambda: bool(finished), timeout=120_000)
    assert finished[0].status == "failed"
    assert window.banner.isVisible()
    assert "dead.sock" in window.banner.text()
    assert "Traceback" not in window.banner.text()
    assert window.builds_tab.phases.current == "failed"


def test_store_test_connection_against_postgresql(qtbot, window, services, pg_url) -> None:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.store_edit.setText(pg_url)
    dialog.test_store()
    qtbot.waitUntil(lambda: dialog.store_result.text()[:1] in ("✓", "✗"), timeout=60_000)
    assert dialog.store_result.text().startswith("✓ Connected: PostgreSQL"), dialog.store_result.text()
    assert "@" not in dialog.store_result.text()  # never shows the password


def test_the_store_password_from_the_environment_never_shows_in_the_settings_dialog(
    qtbot, window, services, monkeypatch
) -> None:
    """The placeholder shows the effective store URL; PIXEL_STORE_URL may carry a password."""
    monkeypatch.setenv("PIXEL_STORE_URL", "postgresql+psycopg://alice:Sup3rS3cret@db.example:5432/pixel")
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    shown = dialog.store_edit.placeholderText() + dialog.store_edit.text()
    assert "Sup3rS3cret" not in shown
    assert "alice:***@db.example:5432/pixel" in shown
