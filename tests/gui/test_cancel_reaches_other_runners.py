"""The window's Cancel reaches a build wherever it runs: a build started by another process
on this store (a window closed with its builds kept) is cancelled from a window that did not
start it, through the same request `pixel builds cancel` records. (A build on a team worker:
tests/gui/test_team_mode.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
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


@pytest.fixture
def other_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, GatedPipeline]]:
    """An app standing in for another process on the same store, running builds whose
    pipeline waits until released (or cancelled)."""
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path / "home"))
    bus = EventBus()
    pipelines: list[GatedPipeline] = []

    def runner(ctx: Any, bus_: EventBus) -> LocalJobRunner:
        pipeline = GatedPipeline(bus_, ctx.store)
        pipelines.append(pipeline)
        return LocalJobRunner(ctx.store, ctx.settings, bus_, pipeline=pipeline)

    app = App(f"sqlite:///{tmp_path / 'store.db'}", settings_mod.Settings(), create_store=True, bus=bus,
              runner=runner)
    app.projects.create(load_spec_file(paths.sample_spec_file()))
    app.jobs.runner  # noqa: B018 (started here, as a process that builds does)
    yield app, pipelines[0]
    for gate in pipelines[0].release.values():
        gate.set()
    app.close(job_grace_s=5)


def test_cancel_from_a_window_that_did_not_start_the_build_stops_it(
    tmp_path: Path, other_process: tuple[App, GatedPipeline]
) -> None:
    app, pipeline = other_process
    slug = app.projects.list()[0].slug
    build_id = app.builds.submit(slug).id
    deadline = time.monotonic() + HANG_GUARD_S
    while build_id not in pipeline.running:
        assert time.monotonic() < deadline, "the build never started (hang guard)"
        time.sleep(0.01)

    window_services = Services(f"sqlite:///{tmp_path / 'store.db'}", settings_mod.Settings())
    try:
        assert window_services.cancel_build(build_id) is True
        assert app.builds.wait(build_id, timeout=HANG_GUARD_S).status == "cancelled"
        assert window_services.cancel_build(build_id) is False  # it has ended: nothing to cancel
    finally:
        window_services.close()
