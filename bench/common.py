"""Shared pieces of the benchmark harness: figures, statistics, the bench workspace, Docker CLI.

Why a separate workspace: every benchmark runs against its own ``PIXEL_HOME`` (store,
wheelhouse, build workspaces) under a temp dir, so a run never touches the user's projects
and every image it builds carries a ``pixel-bench`` name that the harness alone removes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PIXEL = str(VENV_BIN / "pixel")
PIXEL_DESKTOP = str(VENV_BIN / "pixel-desktop")

BENCH_CLIENT = "Pixel Bench"
CLIENT_SLUG = "pixel-bench"
SAMPLE_SLUG = "bench-sample"
FAQ_SLUG = "bench-faq5000"
LEXICAL_SLUG = "bench-sample-lexical"
# A port drawn per run makes the Dockerfile's ENV line (the first step after FROM) unique,
# so the layer chain of bench images is never shared with images other tools, tests or
# earlier runs built from the sample: a wiped cache is really empty.
SAMPLE_PORT = random.SystemRandom().randrange(20000, 60000, 2)
FAQ_PORT = SAMPLE_PORT + 1
LEXICAL_PORT = SAMPLE_PORT + 2


DAEMON_WAIT_S = 90


class BenchError(Exception):
    """An item cannot be measured; the message is the one-line reason shown in the table."""


@dataclass
class Figure:
    """One row of the table: a value measured in this run, its target and the verdict."""

    item: str
    name: str
    value: float | None
    unit: str
    target: str
    verdict: str  # PASS | MISS | INFO | ERROR
    shown: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the item whose runner measured it (for `run.py --only N --update`)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(value: float, limit: float, op: str) -> str:
    ok = {"<": value < limit, "<=": value <= limit, ">=": value >= limit, ">": value > limit}[op]
    return "PASS" if ok else "MISS"


def figure(
    item: str,
    name: str,
    value: float,
    unit: str,
    *,
    limit: float | None = None,
    op: str = "<=",
    fmt: str = "{:.2f}",
    details: dict[str, Any] | None = None,
) -> Figure:
    """A figure with a target (PASS/MISS) or, without ``limit``, an informational one."""
    shown = fmt.format(value) + (f" {unit}" if unit else "")
    if limit is None:
        return Figure(item, name, value, unit, "-", "INFO", shown, details or {})
    target = f"{op} {fmt.format(limit)}" + (f" {unit}" if unit else "")
    return Figure(item, name, value, unit, target, judge(value, limit, op), shown, details or {})


def error_figure(item: str, name: str, target: str, reason: str) -> Figure:
    one_line = " ".join(str(reason).split())[:300] or "unknown error"
    return Figure(item, name, None, "", target, "ERROR", f"ERROR: {one_line}", {"error": one_line})


def median(values: Sequence[float]) -> float:
    if not values:
        raise BenchError("no samples were collected")
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); exact for the small samples used here."""
    if not values:
        raise BenchError("no samples were collected")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return float(ordered[rank - 1])


# --------------------------------------------------------------------------- environment
@dataclass
class Workspace:
    """Temp root of one bench run and the environment its subprocesses get."""

    root: Path
    home: Path
    env: dict[str, str]
    docker_host: str | None
    base_image: str | None
    quick: bool

    def require_docker(self) -> None:
        if not self.base_image:
            raise BenchError(
                "PIXEL_BASE_IMAGE is not set; run `make services` (scripts/test-services.sh) first"
            )
        deadline = time.monotonic() + DAEMON_WAIT_S  # a shared daemon may be restarting
        while True:
            proc = run(["docker", "version", "--format", "{{.Server.Version}}"], env=self.env, check=False)
            if proc.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise BenchError(f"the Docker daemon did not answer within {DAEMON_WAIT_S} s: {proc.stderr.strip()[:200]}")
            time.sleep(2)


def make_workspace(root: Path, quick: bool) -> Workspace:
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("PIXEL_STORE_URL", None)
    env["PIXEL_HOME"] = str(home)
    docker_host = os.environ.get("DOCKER_HOST") or os.environ.get("PIXEL_TEST_DOCKER_HOST")
    if docker_host:
        env["DOCKER_HOST"] = docker_host
    env["DOCKER_BUILDKIT"] = "0"  # the engine uses the classic builder; compare like with like
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Every `pixel` process starts as an installed app does, from cached bytecode (pip and the
    # PyInstaller bundle ship it): the cache lives in the workspace, never in the checkout,
    # and is written by each item's untimed warm-up. Without it every launch compiled the
    # app's modules again while the anchors' libraries came precompiled from site-packages.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    # The bench process itself runs store/engine code in-process against the same home.
    os.environ["PIXEL_HOME"] = str(home)
    os.environ.pop("PIXEL_STORE_URL", None)
    if docker_host:
        os.environ["DOCKER_HOST"] = docker_host
    return Workspace(root, home, env, docker_host, os.environ.get("PIXEL_BASE_IMAGE"), quick)


def run(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 1800,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(cmd), env=env, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`{' '.join(cmd[:3])} …` did not finish within {timeout:.0f} s") from exc
    if check and proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"`{' '.join(cmd[:3])} …` exited {proc.returncode}: {tail[0][:240]}")
    return proc


def timed(cmd: Sequence[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = run(cmd, **kwargs)
    return time.perf_counter() - start, proc


# --------------------------------------------------------------------------- docker CLI
def docker_json(ws: Workspace, *args: str) -> Any:
    proc = run(["docker", *args], env=ws.env)
    return json.loads(proc.stdout)


def image_size(ws: Workspace, ref: str) -> int:
    return int(docker_json(ws, "image", "inspect", ref)[0]["Size"])


def image_ids(ws: Workspace, reference: str) -> list[str]:
    proc = run(
        ["docker", "images", "--no-trunc", "--filter", f"reference={reference}", "--format", "{{.ID}}"],
        env=ws.env,
    )
    return sorted({line.strip() for line in proc.stdout.splitlines() if line.strip()})


def remove_images(ws: Workspace, *references: str) -> int:
    """Remove every image matching ``references`` (their untagged parents go with them)."""
    ids: set[str] = set()
    for ref in references:
        ids.update(image_ids(ws, ref))
    if ids:
        run(["docker", "rmi", "-f", *sorted(ids)], env=ws.env, check=False)
    return len(ids)


def remove_container(ws: Workspace, cid: str) -> None:
    run(["docker", "rm", "-f", "-v", cid], env=ws.env, check=False, timeout=60)


def vm_hwm_bytes(pid: int) -> int | None:
    """Peak resident set (VmHWM) of a live process, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cleanup_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
