"""Closing the window while a build runs, against the real Docker daemon: both choices.

"Keep running": the window closes, the build goes on (the process would stay headless until
it ends), and an app reopened on the same store shows it and follows it live to its end.
"Cancel builds": the build stops and its record says the app was closed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pixel_desktop import settings as settings_mod
from pixel_desktop.gui.builds_model import Column
from pixel_desktop.gui.close_guard import CloseChoice, CloseQuestion
from pixel_desktop.gui.notifications import Notice
from pixel_desktop.kinds import TERMINAL_BUILD_STATUSES

pytestmark = [pytest.mark.docker, pytest.mark.slow]
BUILD_TIMEOUT_MS = 1_200_000
RUNNING = ("generating", "building", "testing", "pushing")


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


@pytest.fixture
def docker_settings(docker_host: str, base_image: str) -> settings_mod.Settings:
    return settings_mod.Settings(docker_host=docker_host, base_image=base_image)


@pytest.fixture
def building_window(qtbot, window, services, docker_settings):
    """The sample's build started from the window and running (past queued)."""
    services.settings = docker_settings
    window.build_action.trigger()
    qtbot.waitUntil(lambda: bool(window.active_builds), timeout=60_000)
    build_id = max(window.active_builds)
    qtbot.waitUntil(lambda: services.get_build(build_id).status in RUNNING, timeout=60_000)
    return window, build_id


def _answer(choice: CloseChoice, asked: list[CloseQuestion]):
    def ask(question: CloseQuestion) -> CloseChoice:
        asked.append(question)
        return choice

    return ask


@pytest.fixture
def reopened(qtbot, store_url: str, docker_settings) -> Iterator[callable]:
    """Open a second app (new Services and MainWindow) on the same store, as a restart does."""
    from pixel_desktop.gui.main_window import MainWindow
    from pixel_desktop.gui.services import Services

    opened: list[tuple[object, object]] = []

    def open_app():
        svc = Services(store_url=store_url, settings=docker_settings)
        svc.open_store()
        win = MainWindow(svc, periodic_checks=False)
        win.confirm_close = False
        qtbot.addWidget(win)
        opened.append((win, svc))
        return win, svc

    yield open_app
    for win, svc in opened:
        win.shutdown()
        svc.close()


def test_keep_running_finishes_the_build_and_the_reopened_app_follows_it_live(
    qtbot, building_window, services, reopened
) -> None:
    window, build_id = building_window
    asked: list[CloseQuestion] = []
    window.confirm_close = True
    window.close_guard.ask = _answer(CloseChoice.KEEP_RUNNING, asked)

    assert window.close()

    assert [q.text for q in asked] == [f"Build #{build_id} is still running."]
    assert window.kept_builds == [build_id]
    assert not window.isVisible()
    assert services.get_build(build_id).status in RUNNING, "closing with Keep must not stop the build"

    # The reopened app: this process's runner stands in for the kept process, so the
    # lease check is told another process runs builds here.
    window2, _services2 = reopened()
    window2.foreign_builds._poller.is_other_process_alive = lambda: True
    notifier = RecordingNotifier()
    window2.notifier = notifier
    window2.window_in_front = lambda: False
    finished: list = []
    window2.bridge.build_finished.connect(finished.append)
    window2.show()
    window2.start(select="acme-support-bot")
    tab = window2.builds_tab
    qtbot.waitUntil(lambda: any(b.id == build_id for b in tab.history), timeout=30_000)
    live_status = next(b.status for b in tab.history if b.id == build_id)
    tab.select_history(build_id)
    assert tab.build_id == build_id

    # Headless finish of the kept build (what pixel-desktop does after its window closed).
    from pixel_desktop.gui.app import finish_headless

    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=BUILD_TIMEOUT_MS)
    finish_headless(services, window.kept_builds)  # returns once it ended: nothing left to run
    assert services.builds_running_here() == []
    record = services.get_build(build_id)
    assert record.status == "completed", record.error_message

    event = next(e for e in finished if e.build_id == build_id)
    assert event.status == "completed"
    assert tab.phases.current == "completed"
    if live_status in RUNNING:  # opened while it ran: the end came through the store poll
        assert "COMPLETED" in tab.log.toPlainText()
    qtbot.waitUntil(
        lambda: tab.history_model.rowCount() >= 1
        and tab.history_model.text(0, Column.STATUS) == "completed",
        timeout=20_000,
    )
    assert [n.title for n in notifier.notices] == [f"Build #{build_id} completed"]


def test_cancel_builds_on_close_records_that_the_app_was_closed(qtbot, building_window, services) -> None:
    window, build_id = building_window
    asked: list[CloseQuestion] = []
    window.confirm_close = True
    window.close_guard.ask = _answer(CloseChoice.CANCEL_BUILDS, asked)

    assert window.close()

    assert len(asked) == 1 and window.kept_builds == []
    record = services.app.builds.wait(build_id, timeout=120)
    assert record.status == "cancelled"
    assert record.error_message is not None
    assert record.error_message.startswith("Cancelled because the app was closed."), record.error_message
    assert any("Cancelled because the app was closed." in line for line in services.read_log(build_id))


def test_choosing_dont_close_keeps_the_window_and_the_build(qtbot, building_window, services) -> None:
    window, build_id = building_window
    window.confirm_close = True
    window.close_guard.ask = _answer(CloseChoice.STAY, [])

    assert not window.close()

    assert window.isVisible()
    assert services.get_build(build_id).status not in TERMINAL_BUILD_STATUSES
    window.confirm_close = False
    window.cancel_build()


KEPT_PROCESS = """
import sys
from pixel_desktop import settings as settings_mod
from pixel_desktop.gui.app import finish_headless
from pixel_desktop.gui.services import Services

svc = Services(store_url=sys.argv[1], settings=settings_mod.Settings(docker_host=sys.argv[2], base_image=sys.argv[3]))
svc.open_store()
build_id = svc.submit_build("acme-support-bot")
print(build_id, flush=True)
finish_headless(svc, [build_id])
svc.close()
"""


def test_a_build_kept_by_another_process_is_followed_live_through_its_lease(
    qtbot, window, store_url: str, docker_host: str, base_image: str
) -> None:
    """A real second process (the kept, headless app) runs the build; this window finds it
    through the runner lease, with no test hook, and follows it to its end."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", KEPT_PROCESS, store_url, docker_host, base_image],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        build_id = int(proc.stdout.readline())
        notifier = RecordingNotifier()
        window.notifier = notifier
        window.window_in_front = lambda: False
        finished: list = []
        window.bridge.build_finished.connect(finished.append)
        window.builds_tab.refresh_history()
        tab = window.builds_tab
        qtbot.waitUntil(lambda: any(b.id == build_id for b in tab.history), timeout=30_000)
        tab.select_history(build_id)

        qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=BUILD_TIMEOUT_MS)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert f"finishing build #{build_id} in the background" in err
    assert f"build #{build_id} completed" in err
    event = next(e for e in finished if e.build_id == build_id)
    assert event.status == "completed", event.error
    assert tab.phases.current == "completed"
    assert "COMPLETED" in tab.log.toPlainText()
    assert [n.title for n in notifier.notices] == [f"Build #{build_id} completed"]
