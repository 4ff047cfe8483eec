"""Item 12: how fast `pixel` answers, against the Docker CLI and a bare interpreter.

`pixel projects list` on a store with one project is timed against `docker image ls` (the
daemon's own CLI listing its images, on this machine, in the same run), and `pixel
--version` against `python -c pass` (the interpreter alone). Whole processes, wall time,
interleaved (A B, B A, …) and the medians compared, because the machines here are small
and noisy. The store is a fresh SQLite file in its own PIXEL_HOME, made by `pixel projects
import` of the example spec, so the figure is the command a user types, at its default.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import PIXEL, REPO, BenchError, Figure, Workspace, figure, median, run

LIST_LIMIT_S = 0.30
VERSION_LIMIT_S = 0.15


def _wall(cmd: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), env=env, capture_output=True, text=True, timeout=120, check=False)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"`{' '.join(cmd[:3])}` exited {proc.returncode}: {tail[:200]}")
    return took


def _paired(a: Sequence[str], b: Sequence[str], env: dict[str, str], reps: int) -> tuple[list[float], list[float]]:
    _wall(a, env), _wall(b, env)  # untimed: page cache
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(reps):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            times[which].append(_wall((a, b)[which], env))
    return times


def bench_cli(ws: Workspace, quick: bool) -> list[Figure]:
    env = dict(ws.env)
    home = ws.root / "cli-home"
    home.mkdir(exist_ok=True)
    env["PIXEL_HOME"] = str(home)
    env.pop("PIXEL_STORE_URL", None)
    run([PIXEL, "projects", "import", str(REPO / "examples" / "acme-support.yaml"), "--replace"], env=env)
    reps = 5 if quick else 11
    listed, docker = _paired([PIXEL, "projects", "list"], ["docker", "image", "ls"], env, reps)
    version, bare = _paired([PIXEL, "--version"], [sys.executable, "-c", "pass"], env, reps)
    details = {"pixel_projects_list_s": listed, "docker_image_ls_s": docker,
               "pixel_version_s": version, "python_pass_s": bare, "python": Path(sys.executable).name}
    figures = [
        figure("12", "`pixel projects list`, one project (SQLite)", median(listed), "s", limit=LIST_LIMIT_S,
               fmt="{:.3f}", details=details),
        figure("12", "  / `docker image ls` on the same machine", median(listed) / median(docker), "x"),
        _medians("  medians: pixel projects list | docker image ls", listed, docker),
        figure("12", "`pixel --version`", median(version), "s", limit=VERSION_LIMIT_S, fmt="{:.3f}"),
        figure("12", "  / `python -c pass`", median(version) / median(bare), "x"),
        _medians("  medians: pixel --version | python -c pass", version, bare),
    ]
    return figures


def _medians(name: str, a: list[float], b: list[float]) -> Figure:
    row = figure("12", name, median(a), "s", fmt="{:.3f}", details={"a_median_s": median(a), "b_median_s": median(b)})
    row.shown = f"{median(a):.3f} s | {median(b):.3f} s"
    return row
