"""Item 3: time from the start of a build to the first byte of the build request at the daemon.

Two starts are measured, for the sample and for the 5,000-entry FAQ project:
- engine: ``BuildEngine.submit`` called in this (already imported) process — the context
  preparation itself: render, write the context, store the artifacts, check the base
  image, link the wheels, tar the context;
- CLI: the `pixel build` process being launched — what a user waits for at the terminal:
  the same plus the client's start-up and the hand-over to the build server (started by
  the first of these runs; with PIXEL_BUILD_SERVER=off the interpreter start-up and imports
  reported on the last line come on top instead).
The daemon sits behind ``BuildTimestampProxy`` (a relay that timestamps the request), so
the build itself runs for real. Repetitions are interleaved; medians are reported.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Any

from bench.builds import BuildState, ensure_faq_image, ensure_sample_image, open_store
from bench.common import FAQ_SLUG, PIXEL, SAMPLE_SLUG, BenchError, Figure, Workspace, figure, median
from bench.docker_proxy import BuildTimestampProxy


def _upstream(ws: Workspace) -> str:
    host = ws.docker_host or "unix:///var/run/docker.sock"
    if not host.startswith("unix://"):
        raise BenchError(f"context timing needs a unix-socket daemon; DOCKER_HOST is {host}")
    return host[len("unix://"):]


def _engine_run(engine: Any, proxy: BuildTimestampProxy, slug: str) -> dict[str, float]:
    from pixel_desktop.events import PhaseChanged

    phases: dict[str, float] = {}
    build_id: list[int] = []

    def on_event(event: Any) -> None:
        if isinstance(event, PhaseChanged) and (not build_id or event.build_id == build_id[0]):
            phases.setdefault(event.phase, event.ts)

    unsubscribe = engine.bus.subscribe(on_event)
    try:
        proxy.arm()
        t0 = time.time()
        build_id.append(engine.submit(slug, run_tests=False))
        record = engine.wait(build_id[0], timeout=900)
    finally:
        unsubscribe()
    if record.status != "completed":
        raise BenchError(f"engine build of {slug} {record.status}: {record.error_message}")
    first = proxy.first_build_byte
    if first is None:
        raise BenchError("the build request never reached the proxy")
    return {
        "to_first_byte_s": first - t0,
        "generate_s": phases.get("building", first) - phases.get("generating", t0),
        "building_phase_to_first_byte_s": first - phases.get("building", first),
    }


def _cli_run(ws: Workspace, proxy: BuildTimestampProxy, slug: str) -> float:
    env = dict(ws.env, DOCKER_HOST=proxy.url)
    proxy.arm()
    t0 = time.time()
    proc = subprocess.run([PIXEL, "build", slug, "--no-test", "--json"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"`pixel build {slug}` through the proxy failed: {tail[:200]}")
    if proxy.first_build_byte is None:
        raise BenchError("the CLI build request never reached the proxy")
    return proxy.first_build_byte - t0


def bench_context(ws: Workspace, state: BuildState, reps: int) -> list[Figure]:
    from pixel_desktop import settings as settings_mod
    from pixel_desktop.jobs.local import BuildEngine

    ensure_sample_image(ws, state)
    ensure_faq_image(ws, state)  # so the timed runs are not the first build of that project
    proxy = BuildTimestampProxy(ws.root / "docker-proxy.sock", _upstream(ws))
    saved_host = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = proxy.url
    store = open_store(ws)
    engine = BuildEngine(store, settings_mod.load(), concurrency=1)
    engine_runs: dict[str, list[dict[str, float]]] = {SAMPLE_SLUG: [], FAQ_SLUG: []}
    cli_runs: dict[str, list[float]] = {SAMPLE_SLUG: [], FAQ_SLUG: []}
    try:
        for i in range(reps):
            slugs = (SAMPLE_SLUG, FAQ_SLUG) if i % 2 == 0 else (FAQ_SLUG, SAMPLE_SLUG)
            for slug in slugs:
                engine_runs[slug].append(_engine_run(engine, proxy, slug))
                cli_runs[slug].append(_cli_run(ws, proxy, slug))
    finally:
        done = threading.Event()
        threading.Thread(target=lambda: (engine.shutdown(timeout=30), done.set()), daemon=True).start()
        done.wait(40)
        store.close()
        proxy.close()
        if saved_host is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = saved_host
    figures = []
    for slug, label in ((SAMPLE_SLUG, "sample"), (FAQ_SLUG, "5,000 FAQ")):
        runs = engine_runs[slug]
        figures.append(figure(
            "3", f"context prep, engine start -> first byte ({label})",
            median([r["to_first_byte_s"] for r in runs]), "s", limit=0.5, op="<", fmt="{:.3f}",
            details={"runs": runs,
                     "generate_median_s": median([r["generate_s"] for r in runs]),
                     "building_phase_to_first_byte_median_s": median([r["building_phase_to_first_byte_s"] for r in runs])},
        ))
    for slug, label in ((SAMPLE_SLUG, "sample"), (FAQ_SLUG, "5,000 FAQ")):
        figures.append(figure(
            "3", f"context prep, `pixel build` launch -> first byte ({label})",
            median(cli_runs[slug]), "s", limit=0.5, op="<", fmt="{:.3f}",
            details={"runs_s": cli_runs[slug]},
        ))
    from bench.gui import _import_time

    imports = [_import_time(ws, "import pixel_desktop.cli.main, pixel_desktop.cli.builds, pixel_desktop.jobs.local, "
                                "pixel_desktop.store, pixel_desktop.codegen") for _ in range(3)]
    figures.append(figure("3", "  without the build server, add: interpreter + importing CLI, engine, store, codegen", median(imports), "s",
                          fmt="{:.2f}", details={"runs_s": imports}))
    return figures
