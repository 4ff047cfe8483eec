"""Closing the app while builds run: cancel with the reason on record, or finish headless;
a second process follows another process's builds through the store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixel_desktop.app import App, keep_running
from pixel_desktop.app.context import AppContext
from pixel_desktop.build.pipeline import Job
from pixel_desktop.events import BuildFinished, EventBus, LogLine, PhaseChanged
from pixel_desktop.jobs.local import LocalJobRunner
from pixel_desktop.settings import Settings

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


class HeldPipeline:
    """Runs a build until released or cancelled; records why it was cancelled."""

    def __init__(self, app_ctx: list[AppContext]) -> None:
        self._ctx = app_ctx
        self.release = threading.Event()
        self.started = threading.Event()
        self.reasons: dict[int, str | None] = {}

    def run(self, job: Job) -> str:
        store = self._ctx[0].store
        store.builds.set_status(job.build_id, "building")
        self.started.set()
        while not (self.release.is_set() or job.cancel_event.is_set()):
            job.cancel_event.wait(0.02)
        self.reasons[job.build_id] = job.cancel_reason
        status = "cancelled" if job.cancel_event.is_set() else "completed"
        store.builds.set_status(job.build_id, status, error_message=job.cancel_reason)
        return status


@pytest.fixture
def held() -> HeldPipeline:
    return HeldPipeline([])


@pytest.fixture
def app(tmp_path: Path, held: HeldPipeline) -> Iterator[App]:
    def runner(ctx: AppContext, bus: EventBus) -> LocalJobRunner:
        held._ctx.append(ctx)
        return LocalJobRunner(ctx.store, ctx.settings, bus, pipeline=held, concurrency=1)

    app = App(f"sqlite:///{tmp_path / 'pixel.db'}", Settings(), create_store=True, runner=runner)
    app.projects.import_file(SAMPLE)
    yield app
    held.release.set()
    app.close(job_grace_s=5)


def test_cancel_for_close_puts_the_reason_on_running_and_queued_builds(app: App, held: HeldPipeline) -> None:
    running = app.builds.submit("acme-support-bot").id
    queued = app.builds.submit("acme-support-bot").id  # same project: waits for the first
    assert held.started.wait(5)
    assert keep_running.builds_running_here(app) == [running, queued]

    assert sorted(keep_running.cancel_for_close(app)) == [running, queued]

    assert app.builds.wait(running, timeout=5).status == "cancelled"
    assert held.reasons[running] == keep_running.APP_CLOSED
    record = app.builds.get(queued)
    assert record.status == "cancelled"
    assert record.error_message is not None
    assert record.error_message.startswith("Cancelled because the app was closed.")


def test_nothing_runs_here_before_the_runner_started(tmp_path: Path) -> None:
    app = App(f"sqlite:///{tmp_path / 'idle.db'}", Settings(), create_store=True)
    try:
        assert keep_running.builds_running_here(app) == []
        assert keep_running.cancel_for_close(app) == []
        assert keep_running.finish_kept_builds(app) == []
    finally:
        app.close()


def test_finish_kept_builds_waits_until_the_builds_end(app: App, held: HeldPipeline) -> None:
    build_id = app.builds.submit("acme-support-bot").id
    assert held.started.wait(5)
    threading.Timer(0.3, held.release.set).start()

    finished = keep_running.finish_kept_builds(app, poll_s=0.05)

    assert [(r.id, r.status) for r in finished] == [(build_id, "completed")]
    assert keep_running.builds_running_here(app) == []


def test_stopping_a_headless_finish_cancels_with_the_reason(app: App, held: HeldPipeline) -> None:
    build_id = app.builds.submit("acme-support-bot").id
    assert held.started.wait(5)
    stop = threading.Event()
    stop.set()

    finished = keep_running.finish_kept_builds(app, stop=stop, poll_s=0.05)

    assert [(r.id, r.status) for r in finished] == [(build_id, "cancelled")]
    assert held.reasons[build_id] == keep_running.APP_STOPPED


def test_another_process_build_is_followed_through_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    other = App(url, Settings(), create_store=True)  # stands in for the kept process
    here = App(url, Settings(), create_store=True)
    try:
        project = other.projects.import_file(SAMPLE)
        builds = other.context.store.builds
        build = builds.create(project.id)
        follower = keep_running.ForeignBuilds(here, is_other_process_alive=lambda: True)

        first = follower.poll()
        assert [(type(e), e.build_id) for e in first] == [(PhaseChanged, build.id)]

        builds.set_status(build.id, "testing")
        builds.append_log(build.id, ["== testing", "GET /health 200"])
        second = follower.poll()
        assert [e.text for e in second if isinstance(e, LogLine)] == ["== testing", "GET /health 200"]
        assert [e.phase for e in second if isinstance(e, PhaseChanged)] == ["testing"]

        assert follower.poll() == []  # nothing changed, nothing repeated

        builds.append_log(build.id, ["COMPLETED in 3.0 s"])
        builds.set_status(build.id, "completed")
        last = follower.poll()
        assert [e.text for e in last if isinstance(e, LogLine)] == ["COMPLETED in 3.0 s"]
        finished = [e for e in last if isinstance(e, BuildFinished)]
        assert [(e.build_id, e.status) for e in finished] == [(build.id, "completed")]
        assert follower.poll() == []
    finally:
        here.close()
        other.close()


def test_no_other_live_process_means_no_store_poll(tmp_path: Path) -> None:
    app = App(f"sqlite:///{tmp_path / 'alone.db'}", Settings(), create_store=True)
    try:
        project = app.projects.import_file(SAMPLE)
        app.context.store.builds.create(project.id)  # a leftover of a crash, not followed
        follower = keep_running.ForeignBuilds(app, is_other_process_alive=lambda: False)
        assert follower.poll() == []
    finally:
        app.close()
