"""The job queue: bounded concurrency, one build per project, cancel, crash recovery."""

import time

import pytest
from job_fakes import GatedPipeline
from store_fakes import FakeStore

from pixel_desktop.errors import NotFoundError
from pixel_desktop.events import EventBus, LogLine
from pixel_desktop.jobs import local as jobs
from pixel_desktop.settings import Settings

HANG_GUARD_S = 10


@pytest.fixture
def engine_parts(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    store = FakeStore(["alpha", "beta", "gamma", "delta"])
    bus = EventBus()
    pipeline = GatedPipeline(bus, store)
    engines = []

    def make(concurrency=2):
        engine = jobs.BuildEngine(
            store, Settings(build_concurrency=concurrency), bus, pipeline=pipeline
        )
        engines.append(engine)
        return engine

    yield store, pipeline, make
    for engine in engines:
        for gate in pipeline.release.values():
            gate.set()
        engine.shutdown(timeout=5)


def wait_until(predicate, timeout=HANG_GUARD_S):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached (hang guard)"
        time.sleep(0.01)


def test_four_builds_with_concurrency_two_never_run_more_than_two(engine_parts):
    _store, pipeline, make = engine_parts
    engine = make(2)
    ids = [engine.submit(s) for s in ("alpha", "beta", "gamma", "delta")]
    wait_until(lambda: len(pipeline.running) == 2)
    assert engine.counts()["queued"] == 2
    for bid in ids:
        pipeline.gate(bid).set()
    for bid in ids:
        assert engine.wait(bid, timeout=HANG_GUARD_S).status == "completed"
    assert pipeline.max_running == 2


def test_a_queued_build_says_what_it_waits_for(engine_parts):
    _store, pipeline, make = engine_parts
    engine = make(1)
    queued: dict[int, str] = {}
    engine.bus.subscribe(
        lambda ev: queued.setdefault(ev.build_id, ev.text)
        if isinstance(ev, LogLine) and ev.text.startswith("queued build") else None
    )
    first = engine.submit("alpha")
    wait_until(lambda: len(pipeline.running) == 1)
    other = engine.submit("beta")
    again = engine.submit("alpha")
    assert queued[first] == f"queued build {first} of alpha"  # starts at once
    assert queued[other] == (
        f"queued build {other} of beta: waits for a free slot (1 at a time, Settings → Build "
        f"concurrency; ahead: build {first})"
    )
    assert queued[again] == (
        f"queued build {again} of alpha: waits for build {first} of the same project "
        "(one build per project at a time)"
    )
    for bid in (first, other, again):
        pipeline.gate(bid).set()
    for bid in (first, other, again):
        assert engine.wait(bid, timeout=HANG_GUARD_S).status == "completed"


def test_builds_of_one_project_run_one_at_a_time_in_order(engine_parts):
    _store, pipeline, make = engine_parts
    engine = make(2)
    first = engine.submit("alpha")
    second = engine.submit("alpha")
    other = engine.submit("beta")
    wait_until(lambda: {first, other} <= pipeline.running)
    assert second not in pipeline.running
    pipeline.gate(first).set()
    wait_until(lambda: second in pipeline.running)
    pipeline.gate(second).set()
    pipeline.gate(other).set()
    engine.wait(second, timeout=HANG_GUARD_S)
    assert pipeline.started_order.index(first) < pipeline.started_order.index(second)
    assert not pipeline.overlap_same_project


def test_cancel_a_queued_build_never_starts_it(engine_parts):
    _store, pipeline, make = engine_parts
    engine = make(1)
    running = engine.submit("alpha")
    queued = engine.submit("beta")
    wait_until(lambda: running in pipeline.running)
    assert engine.cancel(queued) is True
    rec = engine.wait(queued, timeout=HANG_GUARD_S)
    assert rec.status == "cancelled"
    assert queued not in pipeline.started_order
    pipeline.gate(running).set()
    assert engine.wait(running, timeout=HANG_GUARD_S).status == "completed"


def test_cancel_a_running_build_reaches_the_pipeline(engine_parts):
    _store, pipeline, make = engine_parts
    engine = make(2)
    bid = engine.submit("alpha")
    wait_until(lambda: bid in pipeline.running)
    assert engine.cancel(bid) is True
    assert engine.wait(bid, timeout=HANG_GUARD_S).status == "cancelled"
    assert engine.cancel(bid) is False  # already finished


def test_cancel_requested_from_another_process_is_picked_up(engine_parts):
    store, pipeline, make = engine_parts
    engine = make(2)
    bid = engine.submit("alpha")
    wait_until(lambda: bid in pipeline.running)
    message = jobs.cancel_anywhere(store, bid, engine=None)  # as `pixel builds cancel` does
    assert "Cancel requested" in message
    assert engine.wait(bid, timeout=HANG_GUARD_S).status == "cancelled"
    assert not jobs.cancel_requested(bid)


def test_unknown_project_is_refused_with_not_found(engine_parts):
    _store, _pipeline, make = engine_parts
    engine = make(1)
    with pytest.raises(NotFoundError):
        engine.submit("nope")


def test_stale_running_builds_become_interrupted_on_start(engine_parts):
    store, _pipeline, make = engine_parts
    stale = store.builds.create(1)
    store.builds.set_status(stale.id, "building")
    orphan = store.builds.create(2)  # queued in a process that died: nobody will run it
    engine = make(1)
    assert engine.interrupted_on_start == 2
    assert store.builds.get(stale.id).status == "interrupted"
    assert store.builds.get(orphan.id).status == "interrupted"


def test_builds_of_another_live_engine_process_are_not_interrupted(engine_parts, tmp_path):
    import subprocess
    import sys

    store, _pipeline, make = engine_parts
    live = store.builds.create(1)
    store.builds.set_status(live.id, "building")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (jobs._engines_dir() / f"{other.pid}-other").write_text(str(other.pid))
        engine = make(1)
        assert engine.interrupted_on_start == 0
        assert store.builds.get(live.id).status == "building"
    finally:
        other.kill()
        other.wait()


def test_log_lines_are_persisted_and_metrics_counted(engine_parts):
    store, pipeline, make = engine_parts
    engine = make(2)
    bid = engine.submit("alpha")
    pipeline.gate(bid).set()
    engine.wait(bid, timeout=HANG_GUARD_S)
    assert f"working on {bid}" in store.builds.logs[bid]
    metrics = engine.metrics()
    assert metrics["builds_total"] == {"completed": 1}
    assert metrics["active_builds"] == 0
    assert metrics["build_duration_seconds"]["count"] == 1
    assert 'pixel_builds_total{status="completed"} 1' in engine.metrics_text()
