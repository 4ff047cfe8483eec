"""The window in team mode against real redis-server, PostgreSQL, Docker and a real `pixel
worker` subprocess: a build submitted from the GUI runs on the worker and is followed live
(log, phases, step progress, charts) like a local one; a reopened window follows a build
still running on the worker; the Team tab lists the worker and its builds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from team_services import pixel

from pixel_desktop import settings as settings_mod
from pixel_desktop.gui.team_panel import RunnerColumn, WorkerColumn

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.slow]
BUILD_TIMEOUT_MS = 600_000


@pytest.fixture
def open_window(qtbot, team_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Opens team-mode windows (Services + MainWindow) as the desktop app does; closes them."""
    from pixel_desktop.gui.main_window import MainWindow
    from pixel_desktop.gui.services import Services

    for key, value in team_env.items():
        monkeypatch.setenv(key, value)
    opened: list[tuple[Any, Any]] = []

    def open_(slug: str) -> Any:
        services = Services(store_url=team_env["PIXEL_STORE_URL"], settings=settings_mod.load())
        services.settings = services.settings.model_copy(
            update={"docker_host": team_env["DOCKER_HOST"], "base_image": team_env["PIXEL_BASE_IMAGE"]}
        )
        win = MainWindow(services, periodic_checks=False)
        win.confirm_close = False
        qtbot.addWidget(win)
        win.show()
        win.start(select=slug)
        qtbot.waitUntil(lambda: win.record is not None and win.record.slug == slug, timeout=30_000)
        opened.append((win, services))
        return win

    def close(win: Any) -> None:
        for i, (w, services) in enumerate(opened):
            if w is win:
                w.shutdown()
                w.close()
                services.close()
                del opened[i]
                return

    open_.close = close  # type: ignore[attr-defined]
    yield open_
    for win, services in reversed(opened):
        win.shutdown()
        services.close()


def _project(tmp_path: Path, env: dict[str, str], slug: str) -> str:
    """The tiny lexical project of the team tests, keeping the conversation tests lexical
    retrieval answers (the window always builds with its tests: they drive the charts)."""
    from pixel_desktop import paths
    from pixel_desktop.spec import dump_spec, load_spec_file, spec_from_data
    from pixel_desktop.spec.yaml_io import spec_to_data

    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    data.update(slug=slug, name=f"Team {slug}", retrieval="lexical", tests=data["tests"][:7])
    file = tmp_path / f"{slug}.yaml"
    file.write_text(dump_spec(spec_from_data(data)), encoding="utf-8")
    result = pixel("projects", "import", str(file), env=env)
    assert result.returncode == 0, result.stderr
    return slug


def _team_tab_shown(win: Any) -> bool:
    return any(win.tabs.widget(i) is win.team_panel for i in range(win.tabs.count()))


def test_gui_follows_a_build_running_on_a_worker_and_lists_the_worker(
    qtbot, tmp_path: Path, team_env: dict[str, str], start_worker: Any, open_window: Any
) -> None:
    slug = _project(tmp_path, team_env, "gui-team")
    worker = start_worker("alpha")
    win = open_window(slug)
    qtbot.waitUntil(lambda: _team_tab_shown(win), timeout=30_000)
    qtbot.waitUntil(lambda: win.status_line.team_label.text() == "Team: 1 worker online", timeout=30_000)

    lines: list[str] = []
    phases: list[str] = []
    steps: list[Any] = []
    finished: list[Any] = []
    win.bridge.log_batch.connect(lambda batch, _skipped: lines.extend(e.text for e in batch))
    win.bridge.phase_changed.connect(lambda e: phases.append(e.phase))
    win.bridge.step_progress.connect(steps.append)
    win.bridge.build_finished.connect(finished.append)

    win.build_action.trigger()
    qtbot.waitUntil(lambda: bool(win.active_builds), timeout=60_000)
    build_id = win.builds_tab.build_id
    tab = win.builds_tab
    # Live, before the end: the worker's lines and phases reach the view as they happen.
    qtbot.waitUntil(lambda: f"on worker {worker.node}" in tab.log.toPlainText(), timeout=BUILD_TIMEOUT_MS)
    panel = win.team_panel

    def shows_it_running() -> bool:  # while it builds, the Team tab shows the worker running it
        panel.refresh()  # the panel's timer does this every few seconds (off in tests)
        return panel.workers_model.rowCount() == 1 and f"#{build_id}" in panel.workers_model.text(0, WorkerColumn.RUNNING)

    qtbot.waitUntil(shows_it_running, timeout=60_000)
    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=BUILD_TIMEOUT_MS)
    event = next(e for e in finished if e.build_id == build_id)
    assert event.status == "completed", (event.error, worker.log.read_text()[-3000:])

    assert "building" in tab.phases.seen and "testing" in tab.phases.seen
    assert tab.phases.current == "completed"
    assert tab.samples, "the CPU/memory charts received no sample from the worker"
    text = tab.log.toPlainText()
    assert f"queued build {build_id}" in text and f"on worker {worker.node}" in text
    assert phases.index("building") < phases.index("completed")
    assert any(f"on worker {worker.node}" in line for line in lines)  # arrived as live events
    assert steps, "no Docker step progress reached the window"
    assert win.services.get_build(build_id).runner_host == worker.node

    # The Team tab: the worker online and idle again, the build counted under its name.
    def idle_and_counted() -> bool:
        panel.refresh()
        return (
            panel.runners_model.rowCount() >= 1
            and panel.runners_model.text(0, RunnerColumn.RUNNER) == worker.node
            and panel.runners_model.text(0, RunnerColumn.COMPLETED) == "1"
            and panel.workers_model.text(0, WorkerColumn.RUNNING).startswith("0 of ")
        )

    qtbot.waitUntil(idle_and_counted, timeout=30_000)
    assert panel.workers_model.rowCount() == 1
    assert panel.workers_model.text(0, WorkerColumn.NAME) == worker.node
    assert panel.workers_model.text(0, WorkerColumn.DOCKER)[0].isdigit()  # its Docker version
    assert win.status_line.team_label.text() == "Team: 1 worker online"


def test_a_reopened_window_follows_a_build_still_running_on_the_worker(
    qtbot, tmp_path: Path, team_env: dict[str, str], start_worker: Any, open_window: Any
) -> None:
    slug = _project(tmp_path, team_env, "gui-team-reopen")
    worker = start_worker("beta")
    first = open_window(slug)
    first.build_action.trigger()
    qtbot.waitUntil(lambda: bool(first.active_builds), timeout=60_000)
    build_id = first.builds_tab.build_id
    qtbot.waitUntil(lambda: f"on worker {worker.node}" in first.builds_tab.log.toPlainText(), timeout=BUILD_TIMEOUT_MS)
    open_window.close(first)  # team builds outlive the window: the worker keeps building

    win = open_window(slug)
    finished: list[Any] = []
    win.bridge.build_finished.connect(finished.append)
    tab = win.builds_tab
    qtbot.waitUntil(lambda: tab.history_model.row_of(build_id) is not None, timeout=30_000)
    assert win.services.get_build(build_id).status not in {"completed", "failed"}, "built before the reopen"
    tab.select_history(build_id)
    qtbot.waitUntil(lambda: tab.build_id == build_id, timeout=10_000)
    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=BUILD_TIMEOUT_MS)
    assert next(e for e in finished if e.build_id == build_id).status == "completed"
    assert tab.phases.current == "completed"
    text = tab.log.toPlainText()
    assert f"queued build {build_id}" in text  # the past log, from the store
    assert "COMPLETED" in text or "completed" in text.lower()  # the live end, from the worker


def test_status_line_says_broker_unreachable_and_recovers_by_itself(
    qtbot, tmp_path: Path, team_env: dict[str, str], redis_server: Any, open_window: Any
) -> None:
    slug = _project(tmp_path, team_env, "gui-team-broker")
    win = open_window(slug)
    label = win.status_line.team_label
    qtbot.waitUntil(lambda: label.text() == "Team: no worker online", timeout=30_000)
    assert "pixel worker" in win.team_panel.notice.text()

    redis_server.stop()

    def says(text: str) -> Any:
        def check() -> bool:
            win.team_panel.refresh()  # the panel's timer does this every few seconds (off in tests)
            return label.text() == text

        return check

    qtbot.waitUntil(says("Team: broker unreachable"), timeout=30_000)
    assert "Broker URL" in label.toolTip() and "retries by itself" in label.toolTip()
    assert not win.team_panel.notice.isHidden() and "unreachable" in win.team_panel.notice.text().lower()

    redis_server.start()  # same port: the broker is back
    qtbot.waitUntil(says("Team: no worker online"), timeout=30_000)
    assert "unreachable" not in win.team_panel.notice.text().lower()


def test_settings_refuse_a_broker_with_a_sqlite_store_in_one_sentence(qtbot, window, services, monkeypatch) -> None:
    from pixel_desktop.gui.settings_dialog import SettingsDialog

    monkeypatch.delenv("PIXEL_STORE_URL", raising=False)
    monkeypatch.delenv("PIXEL_BROKER_URL", raising=False)
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.broker_edit.setText("redis://127.0.0.1:6379/0")
    dialog.save()
    text = dialog.save_result.text()
    assert "Settings not saved: A build broker is configured but the store is SQLite" in text
    assert text.count(". ") == 0 and dialog.result() != dialog.DialogCode.Accepted
    assert dialog.broker_edit.text() == "redis://127.0.0.1:6379/0"  # what the user typed stays
    assert settings_mod.load().broker_url is None


def test_settings_keep_the_broker_url_with_its_password_in_the_keyring(
    qtbot, window, services, pg_url: str, secret_service: object, monkeypatch
) -> None:
    from pixel_desktop.gui.settings_dialog import SettingsDialog

    monkeypatch.delenv("PIXEL_STORE_URL", raising=False)
    monkeypatch.delenv("PIXEL_BROKER_URL", raising=False)
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.store_edit.setText(pg_url)
    dialog.broker_edit.setText("redis://:s3cret@127.0.0.1:6379/0")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=20_000)
    saved = settings_mod.load()
    assert saved.broker_url == "redis://127.0.0.1:6379/0"  # no password in the settings file
    assert "s3cret" not in settings_mod.paths.settings_file().read_text()
    assert saved.effective_broker_url() == "redis://:s3cret@127.0.0.1:6379/0"  # from the keyring
    reopened = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(reopened)
    # Shown masked, as the store URL is: a password is set, and it is never displayed.
    assert reopened.broker_edit.text() == "redis://:***@127.0.0.1:6379/0"
    reopened.save()  # saving the masked text unchanged keeps the password in the keyring
    qtbot.waitUntil(lambda: reopened.result() == reopened.DialogCode.Accepted, timeout=20_000)
    assert settings_mod.load().effective_broker_url() == "redis://:s3cret@127.0.0.1:6379/0"
