"""Item 11: team build farm throughput — four independent projects on two workers vs one.

Why this shape: the point of the build farm is that independent builds run side by side on
the team's workers. Four lexical projects (distinct slugs and ports, so no layer is shared
between them) are built ``--no-cache --no-test`` by a Celery worker pool of one, then of two
(`pixel worker` subprocesses with their own PIXEL_HOME, on this machine's daemon), submitted
from this process through ``TeamJobRunner``; the figure is wall(1 worker) / wall(2 workers),
the median over interleaved repetitions. Both workers share one Docker daemon and this
machine's cores, so on a 2-core machine the ratio is bounded by the CPU, not by the farm.

Needs the test services: PostgreSQL (PIXEL_TEST_PG_URL) and Debian's redis-server (a private
instance is started per run, append-only, in the bench workspace).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import PIXEL, BenchError, Figure, Workspace, figure, median
from bench.specs import sample_data
from pixel_desktop.spec import spec_from_data

ITEM = "11"
NAME = "team throughput: 4 projects, 2 workers / 1 worker"
PROJECTS = 4
WORKER_START_S = 60
BUILD_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _redis(root: Path) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        raise BenchError("redis-server is not installed (Debian redis-server; `make services`)")
    import redis

    port = _free_port()
    data = root / "redis"
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data),
         "--appendonly", "yes", "--save", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=1).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise BenchError("the bench redis-server did not answer") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def _database() -> Iterator[str]:
    import sqlalchemy as sa

    pg = os.environ.get("PIXEL_TEST_PG_URL")
    if not pg:
        raise BenchError("PIXEL_TEST_PG_URL is not set; run `make services` first")
    name = f"pixel_bench_team_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(pg).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _Workers:
    """`pixel worker` subprocesses, started and stopped by name."""

    def __init__(self, ws: Workspace, env: dict[str, str], broker: str) -> None:
        self.ws, self.env, self.broker = ws, env, broker
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        import redis

        home = self.ws.root / f"worker-{name}"
        home.mkdir(exist_ok=True)
        log = (self.ws.root / f"worker-{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [PIXEL, "worker", "--name", name], env={**self.env, "PIXEL_HOME": str(home)},
            stdout=log, stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.broker)
        key = f"pixel:worker:{name}@{socket.gethostname()}"
        deadline = time.monotonic() + WORKER_START_S
        while not client.exists(key):
            if self.procs[name].poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"`pixel worker --name {name}` did not start (log {log.name})")
            time.sleep(0.2)
        time.sleep(1.0)  # its consumer subscribes just after the first announcement

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def _specs(run_id: str) -> list[Any]:
    specs = []
    base_port = 30000 + int(run_id[:4], 16) % 20000
    for i in range(PROJECTS):
        data = sample_data()
        data.update(
            slug=f"bench-team-{run_id}-{i}", client="Pixel Bench", name=f"Bench Team {i}",
            retrieval="lexical",
        )
        data["deployment"]["port"] = base_port + i  # distinct Dockerfiles: no shared layer
        specs.append(spec_from_data(data, source="bench team project"))
    return specs


def _round(runner: Any, slugs: list[str]) -> float:
    start = time.perf_counter()
    refs = [runner.submit_build(slug, run_tests=False, no_cache=True) for slug in slugs]
    for ref in refs:
        record = runner.wait(ref, timeout=BUILD_S)
        if record.status != "completed":
            raise BenchError(f"team build {ref.id} {record.status}: {str(record.error_message)[:200]}")
    return time.perf_counter() - start


def bench_team_throughput(ws: Workspace, quick: bool) -> list[Figure]:
    from pixel_desktop.events import EventBus
    from pixel_desktop.jobs.team.runner import TeamJobRunner
    from pixel_desktop.settings import Settings
    from pixel_desktop.store import Store

    ws.require_docker()
    # An odd count, so the figure is a true median: the ratio of two noisy wall times on a
    # 2-core machine swings by a fifth between rounds.
    reps = 1 if quick else 3
    run_id = uuid.uuid4().hex[:6]
    with _database() as store_url, _redis(ws.root) as broker:
        env = {**ws.env, "PIXEL_STORE_URL": store_url, "PIXEL_BROKER_URL": broker}
        store = Store.open(store_url)
        workers = _Workers(ws, env, broker)
        runner = None
        try:
            slugs = [store.projects.replace(spec).slug for spec in _specs(run_id)]
            runner = TeamJobRunner(store, Settings(), broker, EventBus())
            # Warm-up (not timed): each worker home gets its wheelhouse, the daemon its base.
            workers.start("one")
            _round(runner, slugs[:1])
            workers.stop_all()
            shutil.copytree(ws.root / "worker-one" / "wheelhouse", ws.root / "worker-two" / "wheelhouse",
                            dirs_exist_ok=True)
            single: list[float] = []
            double: list[float] = []
            for _ in range(reps):  # interleaved: 1 worker, then 2, then again
                workers.start("one")
                single.append(_round(runner, slugs))
                workers.stop_all()
                workers.start("one")
                workers.start("two")
                double.append(_round(runner, slugs))
                workers.stop_all()
        finally:
            workers.stop_all()
            if runner is not None:
                runner.shutdown()
            store.close()
    one, two = median(single), median(double)
    ratio = one / two
    return [
        figure(ITEM, NAME, ratio, "x", limit=1.6, op=">=",
               details={"one_worker_s": single, "two_workers_s": double, "cpus": os.cpu_count()}),
        figure(ITEM, "  4 builds on 1 worker (wall)", one, "s", fmt="{:.1f}"),
        figure(ITEM, "  4 builds on 2 workers (wall)", two, "s", fmt="{:.1f}"),
    ]
