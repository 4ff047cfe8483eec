"""Item 6 and the assistant half of item 9: the generated service under `wrk`, and its memory.

Three images, all on the same base image with the same wheels and the same uvicorn
settings: the sample assistant and the 5,000-FAQ assistant (both built by `pixel build`),
and a bare FastAPI hello-world built from the sample's generated context with only
``main.py`` replaced, through the app's own DockerClient. Each runs as a container
published on 127.0.0.1 only; `wrk` POSTs the same /chat body to each, interleaved, and
medians of requests/s and p99 latency are reported. The assistant's peak RSS is VmHWM of
the container's main process after the load (plus the cgroup's peak, page cache included).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.builds import BuildState, ensure_faq_image, ensure_sample_image, prepare
from bench.common import (
    FAQ_PORT,
    SAMPLE_PORT,
    BenchError,
    Figure,
    Workspace,
    docker_json,
    figure,
    median,
    remove_container,
    run,
    vm_hwm_bytes,
)
from bench.specs import CHAT_QUESTION

BARE_IMAGE = "pixel-bench/bare-fastapi:latest"
WRK_THREADS = 1
WRK_CONNECTIONS = 16
BARE_MAIN = '''"""Bare FastAPI hello-world: the throughput ceiling of this base image, wheels and server."""

import os

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class ChatRequest(BaseModel):
    message: str


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/chat")
def chat(request: ChatRequest) -> dict:
    return {"reply": "Hello, world!"}


if __name__ == "__main__":
    # The generated service's uvicorn settings, verbatim (config/settings.py defaults).
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8000")),
                log_level=os.environ.get("LOG_LEVEL", "info").lower(), proxy_headers=True, server_header=False)
'''
_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def build_bare_image(ws: Workspace, state: BuildState) -> str:
    from pixel_desktop.docker.client import DockerClient

    if state.sample_ctx is None:
        prepare(ws, state)
    assert state.sample_ctx is not None
    ctx = ws.root / "ctx-bare"
    shutil.rmtree(ctx, ignore_errors=True)
    shutil.copytree(state.sample_ctx, ctx)
    (ctx / "main.py").write_text(BARE_MAIN, encoding="utf-8")
    with DockerClient(ws.docker_host) as docker:
        docker.build(ctx, BARE_IMAGE, base_image=ws.base_image)
    return BARE_IMAGE


def _start(ws: Workspace, image: str, port: int) -> tuple[str, str]:
    proc = run(["docker", "run", "-d", "--label", "pixel.bench=1", "-p", f"127.0.0.1::{port}",
                "-e", "LOG_LEVEL=info", image], env=ws.env)
    cid = proc.stdout.strip()
    mapped = run(["docker", "port", cid, f"{port}/tcp"], env=ws.env).stdout.split()
    host = next((m for m in mapped if m.startswith("127.0.0.1:")), None)
    if not host:
        remove_container(ws, cid)
        raise BenchError(f"container of {image} published no 127.0.0.1 port ({mapped})")
    return cid, f"http://{host}"


def _wait_healthy(base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.3)
    raise BenchError(f"{base}/health did not answer within {timeout:.0f} s ({last[:120]})")


def _chat_once(base: str) -> dict[str, Any]:
    body = json.dumps({"message": CHAT_QUESTION}).encode()
    req = urllib.request.Request(f"{base}/chat", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _wrk(ws: Workspace, script: Path, base: str, seconds: int) -> dict[str, float]:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (Debian package `wrk`)")
    proc = run(["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s",
                "--latency", "-s", str(script), f"{base}/chat"], env=ws.env, timeout=seconds + 60)
    out = proc.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    if not rps or not p99:
        raise BenchError(f"could not read wrk's output: {out.strip()[-200:]}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps[1]), "p99_ms": float(p99[1]) * _UNIT[p99[2]],
            "non_2xx": int(bad[1]) if bad else 0, "timeouts": int(errors[1]) if errors else 0,
            "requests": int(total[1]) if total else 0}


def _memory(ws: Workspace, cid: str) -> dict[str, Any]:
    info = docker_json(ws, "inspect", cid)[0]
    pid = int(info["State"]["Pid"])
    full = info["Id"]
    cgroup = None
    for path in (f"/sys/fs/cgroup/memory/docker/{full}/memory.max_usage_in_bytes",
                 f"/sys/fs/cgroup/system.slice/docker-{full}.scope/memory.peak",
                 f"/sys/fs/cgroup/docker/{full}/memory.peak"):
        try:
            cgroup = int(Path(path).read_text().strip())
            break
        except (OSError, ValueError):
            continue
    return {"pid": pid, "vm_hwm_bytes": vm_hwm_bytes(pid), "cgroup_peak_bytes": cgroup}


def bench_assistant(ws: Workspace, state: BuildState, quick: bool) -> list[Figure]:
    ws.require_docker()
    images = {
        "bare": (build_bare_image(ws, state), SAMPLE_PORT),
        "sample": (ensure_sample_image(ws, state), SAMPLE_PORT),
        "faq5000": (ensure_faq_image(ws, state), FAQ_PORT),
    }
    script = ws.root / "chat.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps({'message': CHAT_QUESTION}))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n', encoding="utf-8")
    seconds, reps = (3, 1) if quick else (8, 3)
    containers: dict[str, tuple[str, str]] = {}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in images}
    replies: dict[str, str] = {}
    try:
        for name, (image, port) in images.items():
            containers[name] = _start(ws, image, port)
        for name, (_cid, base) in containers.items():
            _wait_healthy(base)
            replies[name] = str(_chat_once(base).get("reply", ""))[:120]
        names = list(images)
        for i in range(reps):
            order = names[i % len(names):] + names[:i % len(names)]  # rotate: interleaved
            for name in order:
                base = containers[name][1]
                _wrk(ws, script, base, 1)  # warm-up, not recorded
                results[name].append(_wrk(ws, script, base, seconds))
        memory = _memory(ws, containers["faq5000"][0])
    finally:
        for cid, _base in containers.values():
            remove_container(ws, cid)
    for name, runs in results.items():
        bad = sum(r["non_2xx"] for r in runs)
        if bad:
            raise BenchError(f"{name}: {bad} /chat responses were not 2xx under load")
    rps = {name: median([r["rps"] for r in runs]) for name, runs in results.items()}
    p99 = {name: median([r["p99_ms"] for r in runs]) for name, runs in results.items()}
    common = {"wrk": f"-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{seconds}s, {reps} interleaved runs", "question": CHAT_QUESTION}
    figures = [
        figure("6", "assistant /chat req/s, 5,000 FAQ / bare FastAPI", rps["faq5000"] / rps["bare"], "x",
               limit=0.7, op=">=", details={**common, "rps": rps, "p99_ms": p99, "runs": results, "replies": replies}),
        figure("6", "  sample assistant req/s / bare FastAPI", rps["sample"] / rps["bare"], "x"),
    ]
    for name, label in (("bare", "bare FastAPI"), ("sample", "sample"), ("faq5000", "5,000 FAQ")):
        figures.append(figure("6", f"  {label}: req/s | p99", rps[name], "req/s", fmt="{:.0f}"))
        figures[-1].shown += f" | p99 {p99[name]:.1f} ms"
        figures[-1].details = {"p99_ms": p99[name]}
    hwm = memory.get("vm_hwm_bytes")
    if hwm is None:
        raise BenchError("could not read the assistant container's VmHWM from /proc")
    figures.append(figure("9", "peak RSS: assistant with 5,000 FAQ (after load)", hwm / 2**20, "MiB",
                          limit=400, op="<", fmt="{:.0f}", details=memory))
    figures += _faq_start_and_latency(ws, images["faq5000"][0], quick)
    return figures


def _faq_start_and_latency(ws: Workspace, image: str, quick: bool) -> list[Figure]:
    """The 5,000-FAQ container: `docker run` to the first healthy /health, then one question
    at a time (no concurrency: what one customer waits) over varied real questions."""
    from bench import banking77

    questions = [p.text for p in banking77.probes("test")[:: 15 if quick else 5]]
    started = time.monotonic()
    cid, base = _start(ws, image, FAQ_PORT)
    try:
        _wait_healthy(base, timeout=120)
        healthy_s = time.monotonic() - started
        times = []
        for text in questions:
            body = json.dumps({"message": text}).encode()
            req = urllib.request.Request(f"{base}/chat", data=body, headers={"Content-Type": "application/json"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=10) as resp:
                resp.read()
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        remove_container(ws, cid)
    ordered = sorted(times)
    p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    row = figure("6", "5,000 FAQ: sequential /chat p99 (semantic)", p99, "ms", limit=50, op="<", fmt="{:.1f}",
                 details={"p50_ms": p50, "questions": len(times)})
    row.shown += f" (p50 {p50:.1f} ms, {len(times)} questions)"
    return [
        figure("6", "5,000 FAQ: docker run -> healthy", healthy_s, "s", limit=10, op="<", fmt="{:.1f}"),
        row,
    ]
