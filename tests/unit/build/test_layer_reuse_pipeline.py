"""The pipeline records why a rebuild was fast, and samples the test container often."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docker.errors
from test_pipeline_phases import FakeGateway, setup  # noqa: F401 - the fixture

from pixel_desktop.build import layer_reuse
from pixel_desktop.build import pipeline as pipeline_mod
from pixel_desktop.docker.containers import StatsPoller
from pixel_desktop.docker.models import BuildOutcome
from pixel_desktop.events import EventBus, MetricSample

STEPS = (
    "FROM base",
    "WORKDIR /app",
    "COPY main.py /app/main.py",
    "COPY assistant_data/assistant.json /app/assistant_data/assistant.json",
)


class CachedGateway(FakeGateway):
    """A build whose stream reported every step but the assistant config as "Using cache"."""

    def build(self, context_dir: Path, tag: str, **kw: Any) -> BuildOutcome:
        super().build(context_dir, tag, **kw)
        return BuildOutcome("sha256:" + "1" * 64, len(STEPS), 2, STEPS, STEPS[1:3])


def test_the_log_ends_with_the_reuse_explanation_against_the_previous_builds_artifacts(setup):  # noqa: F811
    generated: dict[str, bytes] = {}
    setup.store.builds.add_artifacts = lambda bid, files: generated.update({p: c for p, c, _ in files})
    assert setup.run(CachedGateway([]))[0] == "completed"
    previous = dict(generated)
    previous["assistant_data/assistant.json"] = b'{"personality": {"system_prompt": "old"}}'
    setup.store.builds.last_successful = lambda project_id: SimpleNamespace(id=41)
    setup.store.builds.artifacts = lambda build_id: [
        SimpleNamespace(path=p, content=c) for p, c in previous.items()
    ]
    setup.logs.clear()
    status, _record, _job = setup.run(CachedGateway([]))
    assert status == "completed"
    reuse_lines = [line for line in setup.logs if line.startswith(layer_reuse.LOG_PREFIX)]
    # After the image build; repeated before the end only when other lines came between
    # (a test phase, a push): here none did, so it is not shown twice in a row.
    assert len(reuse_lines) == 1
    assert setup.logs[-2] == reuse_lines[-1]
    assert setup.logs[-1].startswith("COMPLETED")
    assert reuse_lines[-1].startswith("reuse: Assistant config change (")
    assert "since build #41: 2 of 3 steps reused from cache; only the assistant config layer was rebuilt." in reuse_lines[-1]


def test_a_store_without_artifact_history_still_explains_the_cache(setup):  # noqa: F811
    assert setup.run(CachedGateway([]))[0] == "completed"
    line = next(x for x in setup.logs if x.startswith(layer_reuse.LOG_PREFIX))
    assert line == (
        "reuse: No previous completed build to compare with: 2 of 3 steps reused from cache; "
        "only the assistant config layer was rebuilt."
    )


class _InstantStats:
    """A container whose one-shot stats answer at once (StatsPoller's behaviour)."""

    def __init__(self) -> None:
        self.calls = 0

    def stats_poller(self, container_id: str) -> _InstantStats:
        return self

    def sample(self) -> tuple[float, int, int]:
        self.calls += 1
        return (12.5, 50 * 1_048_576, 1 << 30)


def test_the_test_container_is_sampled_every_half_second_plus_once_after_the_tests():
    bus = EventBus()
    samples: list[MetricSample] = []
    bus.subscribe(lambda e: samples.append(e) if isinstance(e, MetricSample) else None)
    pipe = pipeline_mod.BuildPipeline(None, None, bus, lambda: None, None, threading.RLock())  # type: ignore[arg-type]
    stop = threading.Event()
    stats = _InstantStats()
    sampler = threading.Thread(target=pipe._sample_stats, args=(stats, "c1", 7, stop))
    sampler.start()
    time.sleep(2.7)  # a short test run
    during = stats.calls
    stop.set()
    sampler.join(5)
    assert pipeline_mod.SAMPLE_INTERVAL_S <= 0.5
    assert during >= 5  # at 0, 0.5, 1.0, 1.5, 2.0 s
    assert stats.calls == during + 1  # and the footprint once the tests ended
    deadline = time.monotonic() + 5
    while len(samples) < stats.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(samples) == stats.calls and all(s.build_id == 7 for s in samples)


class _GoneStats(_InstantStats):
    def sample(self) -> None:
        self.calls += 1
        return None


def test_sampling_stops_when_the_container_is_gone():
    pipe = pipeline_mod.BuildPipeline(None, None, EventBus(), lambda: None, None, threading.RLock())  # type: ignore[arg-type]
    stats = _GoneStats()
    pipe._sample_stats(stats, "c1", 7, threading.Event())  # type: ignore[arg-type]
    assert stats.calls == 1


class _OneShotAPI:
    """/stats one-shot answers: cumulative CPU counters, no precpu (as dockerd sends them)."""

    def __init__(self, old_daemon: bool = False) -> None:
        self.n = 0
        self.old_daemon = old_daemon
        self.calls: list[dict] = []

    def stats(self, cid: str, **kw: Any) -> dict:
        self.calls.append(kw)
        if self.old_daemon and kw.get("one_shot"):
            raise docker.errors.InvalidVersion("one_shot needs API 1.41")
        self.n += 1
        return {
            "cpu_stats": {"cpu_usage": {"total_usage": self.n * 500}, "system_cpu_usage": self.n * 1000, "online_cpus": 2},
            "precpu_stats": {},
            "memory_stats": {"usage": 100, "limit": 1000},
        }


def test_the_stats_poller_reads_one_shot_and_measures_cpu_between_its_reads():
    api = _OneShotAPI()
    poller = StatsPoller(api, "c1")
    assert poller.sample() == (0.0, 100, 1000)  # no interval yet
    assert poller.sample() == (100.0, 100, 1000)  # 500/1000 of the system × 2 cores
    assert all(kw == {"stream": False, "one_shot": True} for kw in api.calls)


def test_the_stats_poller_falls_back_to_plain_reads_on_an_old_daemon():
    api = _OneShotAPI(old_daemon=True)
    poller = StatsPoller(api, "c1")
    assert poller.sample() is not None
    poller.sample()
    assert api.calls[-1] == {"stream": False}
