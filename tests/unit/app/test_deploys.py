"""Deploys as jobs of the app's runner: the follower sees the first stage, and Ctrl+C while
waiting cancels the job and waits for its record before it is raised again."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App
from pixel_desktop.app.context import AppContext
from pixel_desktop.events import DeployProgress, EventBus, JobRef
from pixel_desktop.jobs.runner import JobCounts, JobRecord, JobRunner
from pixel_desktop.settings import Settings


class FakeRunner:
    """Shaped like ``JobRunner``: ``submit_deploy`` records a deployment and publishes its
    first stage before returning (as a fast worker may); ``wait`` is interrupted by Ctrl+C
    once when ``interrupt`` is set."""

    def __init__(self, ctx: AppContext, bus: EventBus, *, interrupt: bool = False) -> None:
        self.ctx, self._bus = ctx, bus
        self.interrupt = interrupt
        self.cancelled: list[JobRef] = []
        self.waited_after_cancel = False

    @property
    def bus(self) -> EventBus:
        return self._bus

    def submit_build(self, slug: str, **_: object) -> JobRef:
        raise AssertionError("no builds here")

    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        store = self.ctx.store
        project = store.projects.get(slug)
        record = store.deployments.create(
            project_id=project.id, target_name=target, build_id=None, image_ref="img:1"
        )
        self._bus.publish(DeployProgress(record.id, "preparing", "first stage"))
        return JobRef("deploy", record.id)

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        return self.submit_deploy(slug, target)

    def cancel(self, job: JobRef) -> bool:
        self.cancelled.append(job)
        self.ctx.store.deployments.set_status(job.id, "cancelled", error_message="cancelled")
        return True

    def wait(self, job: JobRef, timeout: float | None = None) -> JobRecord:
        if self.interrupt:
            self.interrupt = False
            raise KeyboardInterrupt
        if self.cancelled:
            self.waited_after_cancel = True
        else:
            self.ctx.store.deployments.set_status(job.id, "healthy")
        return self.ctx.store.deployments.get(job.id)

    def counts(self) -> JobCounts:
        return {"queued": 0, "running": 0, "deploys_running": 0, "by_status": {}}

    def active(self) -> list[JobRef]:
        return []

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 30.0) -> None:
        pass


SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def _app(tmp_path: Path, runners: list[FakeRunner], *, interrupt: bool) -> App:
    def factory(ctx: AppContext, bus: EventBus) -> JobRunner:
        runner = FakeRunner(ctx, bus, interrupt=interrupt)
        runners.append(runner)
        return runner

    app = App(f"sqlite:///{tmp_path / 'pixel.db'}", Settings(), create_store=True, runner=factory)
    app.projects.import_file(SAMPLE)
    app.context.store.targets.add("box", "unix:///var/run/docker.sock", "docker")
    return app


def test_following_a_deploy_shows_its_first_stage_and_returns_the_final_record(tmp_path: Path) -> None:
    runners: list[FakeRunner] = []
    app = _app(tmp_path, runners, interrupt=False)
    seen: list[str] = []
    try:
        record = app.deploys.deploy("acme-support-bot", "box", on_progress=lambda e: seen.append(e.message))
    finally:
        app.close()
    assert record.status == "healthy"
    assert seen == ["first stage"]  # published before submit returned, replayed to the follower


def test_ctrl_c_while_following_a_deploy_cancels_the_job_and_waits_for_its_record(
    tmp_path: Path,
) -> None:
    runners: list[FakeRunner] = []
    app = _app(tmp_path, runners, interrupt=True)
    try:
        with pytest.raises(KeyboardInterrupt):
            app.deploys.deploy("acme-support-bot", "box")
        [runner] = runners
        [job] = runner.cancelled
        assert runner.waited_after_cancel
        assert app.deploys.list("acme-support-bot")[0].status == "cancelled"
        assert job.kind == "deploy"
    finally:
        app.close()


def _dep(i: int, status: str, slug: str = "acme", target: str = "local") -> object:
    from types import SimpleNamespace

    return SimpleNamespace(id=i, status=status, project_slug=slug, target_name=target)


def test_only_the_newest_healthy_deployment_of_a_project_and_target_is_serving() -> None:
    from pixel_desktop.app.deploys import serving_ids

    history = [_dep(1, "healthy"), _dep(2, "healthy"), _dep(3, "healthy", target="staging")]
    assert serving_ids(history) == {2, 3}


def test_a_failed_rolled_back_cancelled_or_unfinished_deploy_leaves_the_previous_one_serving() -> None:
    from pixel_desktop.app.deploys import serving_ids

    for status in ("failed", "rolled_back", "cancelled", "pending", "deploying"):
        assert serving_ids([_dep(1, "healthy"), _dep(2, status)]) == {1}, status


def test_a_stop_or_removal_ends_what_served_until_a_newer_deploy() -> None:
    from pixel_desktop.app.deploys import serving_ids

    assert serving_ids([_dep(1, "healthy"), _dep(2, "stopped")]) == set()
    assert serving_ids([_dep(1, "healthy"), _dep(2, "removed")]) == set()
    assert serving_ids([_dep(1, "healthy"), _dep(2, "stopped"), _dep(3, "healthy")]) == {3}


def test_each_once_healthy_deployment_says_whether_a_newer_one_or_a_stop_or_removal_ended_it() -> None:
    from pixel_desktop.app.deploys import now_states

    history = [
        _dep(1, "healthy"), _dep(2, "healthy"), _dep(3, "stopped"),  # 2 was serving when stopped
        _dep(4, "healthy", target="farm"), _dep(5, "failed", target="farm"), _dep(6, "removed", target="farm"),
        _dep(7, "healthy", target="staging"), _dep(8, "removed", target="staging"), _dep(9, "healthy", target="staging"),
    ]
    assert now_states(history) == {1: "replaced", 2: "stopped", 4: "removed", 7: "removed", 9: "serving"}
