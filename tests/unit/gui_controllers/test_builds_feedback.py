"""Feedback that explains: the live history row, the reuse explanation, the newest build preselected."""

from __future__ import annotations

import datetime as dt

from gui_controller_fakes import DeferredRunner
from test_builds_controller import Build, FakeServices, _controller
from test_deploy_controller import Build as DeployBuild
from test_deploy_controller import FakeServices as DeployServices
from test_deploy_controller import _open

from pixel_desktop.build.layer_reuse import LOG_PREFIX
from pixel_desktop.events import BuildFinished, LogLine, PhaseChanged
from pixel_desktop.gui import builds_format as fmt
from pixel_desktop.gui.deploy_controller import newest_build_id

REUSE = "Prompt-only change since build #6: 13 of 15 steps reused from cache; only the assistant config layer was rebuilt."


def test_the_history_row_of_a_running_build_follows_its_phase_events_without_a_reload():
    services = FakeServices([Build(8, "queued"), Build(7, "completed")])
    controller, view = _controller(services)
    controller.set_project("acme")
    services.builds = []  # a reload would now empty the table: the row must change in place
    controller.on_phase(PhaseChanged(8, "building"))
    assert [(b.id, b.status) for b in view.history] == [(8, "building"), (7, "completed")]
    assert view.history[0].started_at is not None and view.history[0].completed_at is None
    controller.on_phase(PhaseChanged(8, "testing"))
    assert view.history[0].status == "testing"
    assert controller.history[0].status == "testing"


def test_a_phase_of_a_build_not_in_the_list_changes_nothing():
    services = FakeServices([Build(7, "completed")])
    controller, view = _controller(services)
    controller.set_project("acme")
    controller.on_phase(PhaseChanged(99, "building"))
    assert [(b.id, b.status) for b in view.history] == [(7, "completed")]


def test_the_finished_status_comes_with_the_reloaded_record_not_before_it():
    services = FakeServices([Build(8, "testing", started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))])
    runner = DeferredRunner()
    controller, view = _controller(services, runner)
    controller.set_project("acme")
    runner.finish(0)
    controller.on_phase(PhaseChanged(8, "completed"))
    controller.on_finished(BuildFinished(8, "completed", None, {}))
    assert view.history[0].status == "testing"  # not "completed" with an empty size cell
    services.builds = [Build(8, "completed", completed_at=dt.datetime(2026, 1, 1, 0, 1, tzinfo=dt.UTC))]
    runner.finish(len(runner.pending) - 1)  # the reload on_finished started
    assert view.history[0].status == "completed" and view.history[0].completed_at is not None


def test_the_live_view_shows_why_the_rebuild_was_fast_below_the_title():
    services = FakeServices([Build(8, "building")])
    controller, view = _controller(services)
    controller.set_project("acme")
    controller.show_build(8, live=True, replay=False)
    controller.on_log_batch([LogLine(8, "Step 15/15 : CMD x"), LogLine(8, LOG_PREFIX + REUSE)], 0)
    assert view.title.endswith("\n" + REUSE)
    controller.on_phase(PhaseChanged(8, "testing"))
    assert view.title == "Build #8 — testing\n" + REUSE


def test_a_past_build_shows_the_reuse_recorded_in_its_log():
    build = Build(7, "completed", image_name="pixel/acme:b7")
    services = FakeServices([build], logs={7: ["== building", LOG_PREFIX + REUSE, "COMPLETED in 9.0 s"]})
    controller, view = _controller(services)
    controller.set_project("acme")
    controller.history_selected(7)
    assert view.title == "Build #7 — completed — pixel/acme:b7\n" + REUSE
    controller.history_selected(7)  # same build: nothing changes
    assert view.title.count(REUSE) == 1


def test_the_finished_event_carries_the_reuse_explanation():
    services = FakeServices([Build(8, "testing")])
    controller, view = _controller(services)
    controller.set_project("acme")
    controller.show_build(8, live=True, replay=False)
    controller.on_finished(BuildFinished(8, "completed", None, {"reuse": REUSE}))
    assert view.title == "Build #8 — completed\n" + REUSE


def test_the_gui_reads_the_reuse_line_the_pipeline_writes():
    assert fmt.REUSE_PREFIX == LOG_PREFIX
    assert fmt.reuse_in(["a", LOG_PREFIX + "old", LOG_PREFIX + "new", "COMPLETED"]) == "new"
    assert fmt.reuse_in(["a"]) is None
    assert fmt.with_reuse("Build #1", None) == "Build #1"


T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_the_newest_completed_build_is_the_one_that_completed_last():
    builds = [DeployBuild(5, completed_at=T0), DeployBuild(9, completed_at=T0 + dt.timedelta(hours=1))]
    assert newest_build_id(builds) == 9
    assert newest_build_id([DeployBuild(3, completed_at=None), DeployBuild(4, completed_at=None)]) == 4
    assert newest_build_id([]) is None


def test_deploy_preselects_a_build_that_completed_after_an_older_pick():
    services = DeployServices()
    controller, runner, view = _open(services)
    assert controller.build_id == 2
    controller.select_build(1)  # the user picks the older build
    controller.refresh()
    runner.drain()
    assert controller.build_id == 1  # a plain reload keeps the pick
    services.builds["acme"] = [DeployBuild(3), *services.builds["acme"]]  # a new build completed
    controller.refresh()
    runner.drain()
    assert controller.build_id == 3
    assert view.builds[1] == 3
