"""The job runner: ids before events, the job on every event, cancel of builds and deploys,
and a subscriber that learns the id from submit() still seeing the first log line."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml
from deploy_fakes import FakeTarget, NoLocal
from job_fakes import GatedPipeline

from pixel_desktop.deploy import DeployService
from pixel_desktop.errors import DeployError
from pixel_desktop.events import (
    DeployFinished,
    DeployProgress,
    EventBus,
    JobRef,
    LogLine,
)
from pixel_desktop.jobs.local import LocalJobRunner, request_cancel
from pixel_desktop.jobs.runner import JobRunner
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

REPO = Path(__file__).resolve().parents[3]
HANG_GUARD_S = 10


def wait_until(predicate, timeout=HANG_GUARD_S):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached (hang guard)"
        time.sleep(0.01)


@pytest.fixture
def parts():
    store = Store.open()
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = "acme"
    data.setdefault("deployment", {})["secret_env"] = []
    project = store.projects.create(spec_from_data(data))
    store.targets.add("box", "ssh://ops@box.example", "docker")
    target = FakeTarget()
    bus = EventBus()
    pipeline = GatedPipeline(bus, store)

    def deploy_service(bus: EventBus) -> DeployService:
        return DeployService(
            store,
            Settings(),
            bus=bus,
            connect=lambda host, name: target if name else NoLocal(),
            local_host="unix:///fake.sock",
            health_timeout_s=HANG_GUARD_S * 3,  # only a cancel ends an unhealthy wait early
            http_get=target.http_get,
        )

    runner = LocalJobRunner(
        store, Settings(build_concurrency=1), bus, pipeline=pipeline, deploy_service=deploy_service
    )
    yield store, project, target, pipeline, runner
    for gate in pipeline.release.values():
        gate.set()
    runner.shutdown(timeout=5)
    store.close()


def _completed_build(store: Store, project_id: int, image: str) -> int:
    b = store.builds.create(project_id)
    return store.builds.set_status(b.id, "completed", image_name=image).id


def test_the_local_runner_satisfies_the_job_runner_interface(parts) -> None:
    runner: JobRunner = parts[4]
    assert isinstance(runner.bus, EventBus)


def test_a_build_record_exists_before_its_first_event_and_every_event_carries_the_job(
    parts,
) -> None:
    store, _project, _target, pipeline, runner = parts
    seen: list[tuple[JobRef, str]] = []
    runner.bus.subscribe(lambda e: seen.append((e.job, store.builds.get(e.job.id).status)))

    ref = runner.submit_build("acme")
    pipeline.gate(ref.id).set()
    record = runner.wait(ref, timeout=HANG_GUARD_S)

    assert ref == JobRef("build", record.id) and record.status == "completed"
    assert seen and {job for job, _ in seen} == {ref}
    assert seen[0][1] == "queued", "the record existed when the first event was delivered"


def test_a_deploy_record_exists_before_its_first_event_and_events_carry_the_deploy_job(
    parts,
) -> None:
    store, project, _target, _pipeline, runner = parts
    build_id = _completed_build(store, project.id, "img:good1")
    seen: list = []
    runner.bus.subscribe(
        lambda e: seen.append((e, store.deployments.get(e.job.id).status))
        if isinstance(e, (DeployProgress, DeployFinished))
        else None
    )

    ref = runner.submit_deploy("acme", "box", build_id=build_id)
    record = runner.wait(ref, timeout=HANG_GUARD_S)

    assert ref.kind == "deploy" and record.id == ref.id and record.status == "healthy"
    assert seen and all(e.job == ref and e.deployment_id == ref.id != 0 for e, _ in seen)
    assert seen[0][1] in ("pending", "deploying")
    assert isinstance(seen[-1][0], DeployFinished)


def test_rollback_events_carry_a_rollback_job(parts) -> None:
    store, project, _target, _pipeline, runner = parts
    for image in ("img:good1", "img:good2"):
        ref = runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, image))
        assert runner.wait(ref, timeout=HANG_GUARD_S).status == "healthy"
    jobs: set[JobRef] = set()
    runner.bus.subscribe(lambda e: jobs.add(e.job))

    ref = runner.submit_rollback("acme", "box")
    record = runner.wait(ref, timeout=HANG_GUARD_S)

    assert ref.kind == "rollback" and record.status == "healthy" and record.image_ref == "img:good1"
    assert jobs == {ref}


def test_cancel_a_queued_build_by_its_job_ref_never_starts_it(parts) -> None:
    _store, _project, _target, pipeline, runner = parts
    first = runner.submit_build("acme")
    wait_until(lambda: first.id in pipeline.running)
    second = runner.submit_build("acme")

    assert runner.cancel(second)
    assert runner.wait(second, timeout=HANG_GUARD_S).status == "cancelled"
    assert second.id not in pipeline.started_order
    assert runner.active() == [first]


def test_cancel_a_running_build_by_its_job_ref_reaches_the_pipeline(parts) -> None:
    _store, _project, _target, pipeline, runner = parts
    ref = runner.submit_build("acme")
    wait_until(lambda: ref.id in pipeline.running)

    assert runner.cancel(ref)
    assert runner.wait(ref, timeout=HANG_GUARD_S).status == "cancelled"


def _deploy_until(runner, store, project, image: str, waiting_for: str) -> JobRef:
    """Submit a deploy of ``image`` and return once a progress message contains ``waiting_for``."""
    reached = threading.Event()
    runner.bus.subscribe(
        lambda e: reached.set()
        if isinstance(e, DeployProgress) and waiting_for in e.message
        else None
    )
    ref = runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, image))
    assert reached.wait(HANG_GUARD_S), f"the deploy never reached {waiting_for!r}"
    return ref


def test_cancel_during_the_candidate_check_ends_cancelled_and_the_old_container_keeps_serving(
    parts,
) -> None:
    store, project, target, _pipeline, runner = parts
    first = runner.wait(
        runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, "img:good1")),
        timeout=HANG_GUARD_S,
    )
    ref = _deploy_until(runner, store, project, "img:bad", "temporary port")

    assert runner.cancel(ref)
    record = runner.wait(ref, timeout=HANG_GUARD_S)

    assert record.status == "cancelled" and record.completed_at is not None
    assert f"pixel-acme-d{first.id}" in record.error_message
    assert "keeps serving" in record.error_message and "candidate" in record.error_message
    assert [(c["name"], c["state"]) for c in target.containers_.values()] == [
        (f"pixel-acme-d{first.id}", "running")
    ]
    assert runner.active() == []


def test_cancel_after_the_switch_over_removes_the_new_container_and_restarts_the_old(
    parts,
) -> None:
    store, project, target, _pipeline, runner = parts
    first = runner.wait(
        runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, "img:good1")),
        timeout=HANG_GUARD_S,
    )
    # ``late`` passes as a candidate and then never answers on the real port.
    ref = _deploy_until(runner, store, project, "img:late", "waiting for http://box.example:8000")

    assert runner.cancel(ref)
    record = runner.wait(ref, timeout=HANG_GUARD_S)

    assert record.status == "cancelled"
    assert f"pixel-acme-d{ref.id} was removed" in record.error_message
    assert f"pixel-acme-d{first.id} was started again" in record.error_message
    assert [(c["name"], c["state"]) for c in target.containers_.values()] == [
        (f"pixel-acme-d{first.id}", "running")
    ]
    again = runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, "img:good2"))
    assert runner.wait(again, timeout=HANG_GUARD_S).status == "healthy", "the lock was released"


def test_a_cancel_flag_from_another_process_cancels_a_running_deploy(parts) -> None:
    store, project, _target, _pipeline, runner = parts
    runner.wait(
        runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, "img:good1")),
        timeout=HANG_GUARD_S,
    )
    ref = _deploy_until(runner, store, project, "img:bad", "temporary port")

    request_cancel(ref)  # as `pixel deployments cancel` in another terminal would

    assert runner.wait(ref, timeout=HANG_GUARD_S).status == "cancelled"


def test_a_second_deploy_to_a_busy_target_is_refused_at_submit(parts) -> None:
    store, project, _target, _pipeline, runner = parts
    runner.wait(
        runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, "img:good1")),
        timeout=HANG_GUARD_S,
    )
    ref = _deploy_until(runner, store, project, "img:bad", "temporary port")
    before = len(store.deployments.list("acme"))

    with pytest.raises(DeployError, match="Another deploy or rollback"):
        runner.submit_deploy("acme", "box", build_id=_completed_build(store, project.id, "img:good2"))

    assert len(store.deployments.list("acme")) == before, "nothing was recorded"
    runner.cancel(ref)
    runner.wait(ref, timeout=HANG_GUARD_S)


def test_a_subscriber_that_learns_the_id_from_submit_sees_the_first_log_line(parts) -> None:
    """The GUI's case: the id reaches the live view after the job's first events were
    published (here: after the build already ran to its end)."""
    _store, _project, _target, pipeline, runner = parts
    ref = runner.submit_build("acme")
    pipeline.gate(ref.id).set()
    runner.wait(ref, timeout=HANG_GUARD_S)  # every event is out before anyone listens
    seen: list = []

    unsubscribe = runner.bus.subscribe_job(ref, seen.append)

    unsubscribe()
    lines = [e.text for e in seen if isinstance(e, LogLine)]
    assert lines[0] == f"queued build {ref.id} of acme"
    assert f"working on {ref.id}" in lines
    assert all(e.job == ref for e in seen)


def test_a_job_subscriber_gets_replayed_then_live_events_in_order_without_duplicates() -> None:
    bus = EventBus()
    ref = JobRef("build", 7)
    bus.publish(LogLine(7, "first"))
    bus.publish(LogLine(8, "another job"))
    seen: list[str] = []
    gate = threading.Event()

    def slow(event) -> None:  # a live event published during the replay must wait for it
        if event.text == "first":
            gate.wait(2)
        seen.append(event.text)

    subscriber = threading.Thread(target=lambda: bus.subscribe_job(ref, slow))
    subscriber.start()
    wait_until(lambda: len(bus._subscribers) == 1)
    publisher = threading.Thread(target=lambda: bus.publish(LogLine(7, "second")))
    publisher.start()
    time.sleep(0.05)
    gate.set()
    subscriber.join(HANG_GUARD_S)
    publisher.join(HANG_GUARD_S)
    bus.publish(LogLine(7, "third"))

    assert seen == ["first", "second", "third"]


def test_the_replay_history_is_bounded() -> None:
    bus = EventBus(replay_jobs=2, replay_events=3)
    for job in (1, 2, 3):
        for n in range(5):
            bus.publish(LogLine(job, f"{job}.{n}"))

    assert bus.history(JobRef("build", 1)) == []
    assert [e.text for e in bus.history(JobRef("build", 3))] == ["3.2", "3.3", "3.4"]
