"""The window appears at once (issue 16): it is shown and painted before the store opens;
the projects, store and templates fill in behind it with a visible busy state.

The services here are the real ones on a real SQLite store, with the store's opening held on
an Event (a slow PostgreSQL, a migration) so the test sees the window while it waits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject

from pixel_desktop import settings as settings_mod
from pixel_desktop.errors import StoreError
from pixel_desktop.gui.project_sidebar import LOADING_TEXT, SLUG_ROLE
from pixel_desktop.gui.services import Services
from pixel_desktop.spec import ProjectSpec
from pixel_desktop.store.records import ProjectRecord, ProjectSummary

WAIT_MS = 15_000


class RecordingServices(Services):
    """Real services whose store opening waits for ``release``; it notes what the window asks."""

    def __init__(self, store_url: str) -> None:
        super().__init__(store_url=store_url, settings=settings_mod.Settings())
        self.release = threading.Event()
        self.release.set()
        self.open_error: BaseException | None = None
        self.summary_calls = 0
        self.full_list_calls = 0
        self.opened: list[str] = []

    def open_store_counting(self) -> int:
        self.release.wait(WAIT_MS / 1000)
        if self.open_error is not None:
            raise self.open_error
        return super().open_store_counting()

    def project_summaries(self, search: str | None = None) -> list[ProjectSummary]:
        self.summary_calls += 1
        return super().project_summaries(search)

    def list_projects(self, search: str | None = None) -> list[ProjectRecord]:
        self.full_list_calls += 1
        return super().list_projects(search)

    def get_project(self, slug: str) -> ProjectRecord:
        self.opened.append(slug)
        return super().get_project(slug)


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[RecordingServices]:
    svc = RecordingServices(f"sqlite:///{tmp_path / 'pixel.db'}")
    yield svc
    svc.release.set()
    svc.close()


def _window(qtbot, services: Services):
    from pixel_desktop.gui.main_window import MainWindow

    win = MainWindow(services, periodic_checks=False)
    win.confirm_close = False
    qtbot.addWidget(win)
    return win


def test_the_window_paints_and_shows_loading_before_the_store_opens_then_fills_in(qtbot, recording) -> None:
    recording.release.clear()
    win = _window(qtbot, recording)
    painted = PaintCounter()
    win.installEventFilter(painted)
    try:
        win.show()
        win.start(sample_on_empty=lambda: True)
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: painted.paints > 0, timeout=WAIT_MS)
        # Painted while the store is still closed: the busy state is what the user sees.
        assert recording.app.context._store is None
        assert win.sidebar.count_label.text() == LOADING_TEXT
        assert win.sidebar.loading and not win.sidebar.tree.isEnabled()
        assert win.store_label.text() == "Store: opening…"
        assert win.record is None and not win.projects_loaded

        recording.release.set()
        qtbot.waitUntil(lambda: win.record is not None, timeout=WAIT_MS)
        assert win.record.slug == "acme-support-bot"  # the first run imported the sample
        assert win.sidebar.count_label.text() == "1 project · 1 client"
        assert not win.sidebar.loading and win.sidebar.tree.isEnabled()
        qtbot.waitUntil(lambda: win.store_label.text().startswith("Store: ") and "opening" not in win.store_label.text(), timeout=WAIT_MS)
        assert win.startup_error is None
    finally:
        recording.release.set()
        win.shutdown()


def test_the_project_tree_is_filled_from_summaries_not_full_records(qtbot, recording) -> None:
    recording.open_store()
    recording.import_sample_if_empty()
    win = _window(qtbot, recording)
    try:
        win.show()
        win.start(select="acme-support-bot")
        qtbot.waitUntil(lambda: win.record is not None, timeout=WAIT_MS)
        assert recording.summary_calls >= 1 and recording.full_list_calls == 0
        assert win.projects and all(isinstance(p, ProjectSummary) for p in win.projects)
        client = win.project_tree.topLevelItem(0)
        assert win.project_tree.topLevelItemCount() == 1 and client.childCount() == 1
        assert client.child(0).data(0, SLUG_ROLE) == "acme-support-bot"
    finally:
        win.shutdown()


def test_opening_a_project_reads_its_full_record(qtbot, recording) -> None:
    recording.open_store()
    recording.import_sample_if_empty()
    recording.create_project(ProjectSpec(name="Beta Helpdesk", client="Beta Ltd"))
    win = _window(qtbot, recording)
    try:
        win.show()
        win.start(select="acme-support-bot")
        qtbot.waitUntil(lambda: win.record is not None, timeout=WAIT_MS)
        assert recording.opened == ["acme-support-bot"]
        assert isinstance(win.record, ProjectRecord) and win.record.spec.name == win.record.name

        beta = next(p.slug for p in win.projects if p.name == "Beta Helpdesk")
        win.select_project(beta)
        qtbot.waitUntil(lambda: win.record.slug == beta, timeout=WAIT_MS)
        assert recording.opened == ["acme-support-bot", beta]
        assert win.record.spec.client == "Beta Ltd"
        assert win.windowTitle().startswith("Beta Helpdesk")
    finally:
        win.shutdown()


def test_a_store_that_does_not_open_is_said_in_the_window(qtbot, recording) -> None:
    recording.open_error = StoreError("could not connect to the store at db.example:5432 (check PIXEL_STORE_URL)")
    win = _window(qtbot, recording)
    try:
        win.show()
        win.start()
        qtbot.waitUntil(lambda: win.startup_error is not None, timeout=WAIT_MS)
        assert win.store_label.text() == "Store: unavailable"
        assert "did not open" in win.sidebar.count_label.text()
        assert not win.sidebar.loading
        assert win.banner.isVisible() and "db.example:5432" in win.banner.text()
        assert win.isVisible()
    finally:
        win.shutdown()


def test_an_unknown_selected_project_is_said_in_the_window_and_the_list_stays(qtbot, recording) -> None:
    recording.open_store()
    recording.import_sample_if_empty()
    win = _window(qtbot, recording)
    try:
        win.show()
        win.start(select="no-such-bot")
        qtbot.waitUntil(lambda: win.startup_error is not None, timeout=WAIT_MS)
        assert "no-such-bot" in win.banner.text()
        assert win.sidebar.count_label.text() == "1 project · 1 client"
    finally:
        win.shutdown()
