"""GUI test fixtures: offscreen Qt, a real SQLite store per test, a started main window.

The root conftest gives every test its own PIXEL_HOME (so gui.ini, settings and logs are isolated).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from team_services import redis_server, start_worker, team_env, team_store_url  # noqa: F401 (team view tests)

from pixel_desktop import settings as settings_mod


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pixel.db'}"


@pytest.fixture
def services(store_url: str) -> Iterator[object]:
    from pixel_desktop.gui.services import Services

    svc = Services(store_url=store_url, settings=settings_mod.Settings())
    svc.open_store()
    svc.import_sample_if_empty()
    yield svc
    svc.close()


@pytest.fixture
def window(qtbot, services) -> Iterator[object]:
    from pixel_desktop.gui.main_window import MainWindow

    win = MainWindow(services, periodic_checks=False)
    win.confirm_close = False  # pytest-qt closes widgets before fixture teardown
    qtbot.addWidget(win)
    win.show()
    win.start(select="acme-support-bot")
    qtbot.waitUntil(
        lambda: win.record is not None and win.record.slug == "acme-support-bot", timeout=15_000
    )
    yield win
    win.shutdown()
