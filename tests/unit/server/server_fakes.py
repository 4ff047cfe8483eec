"""An App over a fake job runner for the server's unit tests: builds are recorded in a real
(SQLite) store, and the test decides when each one runs and ends."""

from __future__ import annotations

from pathlib import Path

from pixel_desktop.app import App
from pixel_desktop.app.context import AppContext
from pixel_desktop.events import BuildFinished, EventBus, JobRef, LogLine, PhaseChanged
from pixel_desktop.jobs.runner import JobCounts, JobRecord, JobRunner
from pixel_desktop.settings import Settings

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"
SLUG = "acme-support-bot"
TOKEN = "test-token-0123456789"


class FakeRunner:
    """Shaped like ``JobRunner``: ``submit_build`` records a queued build and publishes its
    first events, as the local runner does; ``run``/``finish`` play the rest."""

    def __init__(self, ctx: AppContext, bus: EventBus) -> None:
        self.ctx, self._bus = ctx, bus
        self.submitted: list[dict[str, object]] = []

    @property
    def bus(self) -> EventBus:
        return self._bus

    def submit_build(
        self,
        slug: str,
        *,
        run_tests: bool = True,
        push_registry: str | None = None,
        no_cache: bool = False,
    ) -> JobRef:
        store = self.ctx.store
        project = store.projects.get(slug)
        if push_registry is not None:
            store.registries.get(push_registry)
        record = store.builds.create(project.id)
        self.submitted.append(
            {"slug": slug, "run_tests": run_tests, "push_registry": push_registry, "no_cache": no_cache}
        )
        self._bus.publish(PhaseChanged(record.id, "queued"))
        self._bus.publish(LogLine(record.id, f"queued build {record.id} of {slug}", "engine"))
        return JobRef("build", record.id)

    def run(self, build_id: int, *, ts: float) -> None:
        self.ctx.store.builds.set_status(build_id, "building")
        self._bus.publish(PhaseChanged(build_id, "building", ts=ts))
        self._bus.publish(LogLine(build_id, "Step 1/2 : FROM base"))

    def finish(self, build_id: int, status: str, *, ts: float) -> None:
        self.ctx.store.builds.set_status(build_id, status)
        self._bus.publish(PhaseChanged(build_id, status, ts=ts))
        self._bus.publish(BuildFinished(build_id, status, None, {}, ts=ts))

    def submit_deploy(
        self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None
    ) -> JobRef:
        raise AssertionError("no deploys here")

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        raise AssertionError("no rollbacks here")

    def cancel(self, job: JobRef) -> bool:
        return False

    def wait(self, job: JobRef, timeout: float | None = None) -> JobRecord:
        return self.ctx.store.builds.get(job.id)

    def counts(self) -> JobCounts:
        return {"queued": 0, "running": 0, "deploys_running": 0, "by_status": {}}

    def active(self) -> list[JobRef]:
        return []

    def shutdown(self, *, cancel_running: bool = True, timeout: float = 30.0) -> None:
        pass


def fake_app(tmp_path: Path) -> tuple[App, list[FakeRunner]]:
    runners: list[FakeRunner] = []

    def factory(ctx: AppContext, bus: EventBus) -> JobRunner:
        runner = FakeRunner(ctx, bus)
        runners.append(runner)
        return runner

    app = App(f"sqlite:///{tmp_path / 'pixel.db'}", Settings(), create_store=True, runner=factory)
    app.projects.import_file(SAMPLE)
    return app, runners
