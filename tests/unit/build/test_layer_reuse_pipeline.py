"""The pipeline records why a rebuild was fast, and samples the test container often."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from test_pipeline_phases import FakeGateway, setup  # noqa: F401 - the fixture

from pixel_desktop.build import layer_reuse
from pixel_desktop.build import pipeline as pipeline_mod
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
    assert len(reuse_lines) == 2  # after the image build, and again before the end
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
    def __init__(self) -> None:
        self.calls = 0

    def stats_once(self, container_id: str) -> tuple[float, int, int]:
        self.calls += 1
        return (12.5, 50 * 1_048_576, 1 << 30)


def test_the_test_container_is_sampled_every_half_second_for_a_readable_chart():
    bus = EventBus()
    samples: list[MetricSample] = []
    bus.subscribe(lambda e: samples.append(e) if isinstance(e, MetricSample) else None)
    pipe = pipeline_mod.BuildPipeline(None, None, bus, lambda: None, None, threading.RLock())  # type: ignore[arg-type]
    stop = threading.Event()
    sampler = threading.Thread(target=pipe._sample_stats, args=(_InstantStats(), "c1", 7, stop))
    sampler.start()
    time.sleep(2.3)  # a short test run
    stop.set()
    sampler.join(5)
    assert pipeline_mod.SAMPLE_INTERVAL_S <= 0.5
    assert len(samples) >= 5
    assert all(s.build_id == 7 for s in samples)
