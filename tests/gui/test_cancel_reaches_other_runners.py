"""The window's Cancel reaches a build wherever it runs: a build started by another process
on this store (a window closed with its builds kept) is cancelled from a window that did not
start it, through the same request `pixel builds cancel` records. (A build on a team worker:
tests/gui/test_team_mode.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from job_fakes import GatedPipeline

from pixel_desktop import paths
from pixel_desktop import settings as settings_mod
from pixel_desktop.app import App
from pixel_desktop.events import EventBus
from pixel_desktop.gui.services import Services
from pixel_desktop.jobs.local import LocalJobRunner
from pixel_desktop.spec import load_spec_file

HANG_GUARD_S = 20
SLUG = "acme-support-bot"


@pytest.fixture
def other_process(store_url: str) -> Iterator[tuple[App, GatedPipeline]]:
    """An app standing in for another process on the same store, running builds whose
    pipeline waits until released (or cancelled)."""
    pipelines: list[GatedPipeline] = []

    def runner(ctx: Any, bus: EventBus) -> LocalJobRunner:
        pipeline = GatedPipeline(bus, ctx.store)
        pipelines.append(pipeline)
        return LocalJobRunner(ctx.store, ctx.settings, bus, pipeline=pipeline)

    app = App(store_url, settings_mod.Settings(), create_store=True, runner=runner)
    if not any(p.slug == SLUG for p in app.projects.list()):
        app.projects.create(load_spec_file(paths.sample_spec_file()))
    app.jobs.runner  # noqa: B018 (started here, as a process that builds does)
    yield app, pipelines[0]
    for gate in pipelines[0].release.values():
        gate.set()
    app.close(job_grace_s=5)


def _running_build(app: App, pipeline: GatedPipeline) -> int:
    build_id = app.builds.submit(SLUG).id
    deadline = time.monotonic() + HANG_GUARD_S
    while build_id not in pipeline.running:
        assert time.monotonic() < deadline, "the build never started (hang guard)"
        time.sleep(0.01)
    return build_id


def test_cancel_from_a_window_that_did_not_start_the_build_stops_it(
    store_url: str, other_process: tuple[App, GatedPipeline]
) -> None:
    app, pipeline = other_process
    build_id = _running_build(app, pipeline)

    window_services = Services(store_url, settings_mod.Settings())
    try:
        assert window_services.cancel_build(build_id) is True
        assert app.builds.wait(build_id, timeout=HANG_GUARD_S).status == "cancelled"
        assert window_services.cancel_build(build_id) is False  # it has ended: nothing to cancel
    finally:
        window_services.close()


def test_the_cancel_button_follows_a_shown_build_another_process_runs(
    qtbot, window: Any, other_process: tuple[App, GatedPipeline]
) -> None:
    app, pipeline = other_process
    assert not window.cancel_action.isEnabled()  # nothing of this window runs
    build_id = _running_build(app, pipeline)
    tab = window.builds_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh_history()
    qtbot.waitUntil(lambda: tab.history_model.row_of(build_id) is not None, timeout=10_000)

    tab.select_history(build_id)

    qtbot.waitUntil(window.cancel_action.isEnabled, timeout=10_000)
    window.cancel_action.trigger()
    assert app.builds.wait(build_id, timeout=HANG_GUARD_S).status == "cancelled"
