"""Items 4, 5 and the GUI half of 9: the desktop app under offscreen Qt, in subprocesses.

Why subprocesses: start-up must be measured from a cold interpreter, peak RSS must be the
GUI process's own, and Qt must not share this harness's process state between items.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.builds import BuildState, ensure_sample_image, setup_projects
from bench.common import (
    PIXEL_DESKTOP,
    SAMPLE_SLUG,
    BenchError,
    Figure,
    Workspace,
    figure,
    median,
)

HERE = Path(__file__).resolve().parent
FLOOD_RATES = (1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000)
FLOOD_TARGET = 10_000  # the rate the bridge is designed and tested for (tests/gui log flood test)


def _harness(ws: Workspace, *args: str, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "gui_harness.py"), *args]
    try:
        proc = subprocess.run(cmd, env=ws.env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"the GUI harness ({args[0]}) did not finish within {timeout:.0f} s") from exc
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"the GUI harness ({args[0]}) exited {proc.returncode}: {tail[:200]}")
    result = json.loads(lines[-1])
    if "error" in result:
        raise BenchError(f"GUI harness ({args[0]}): {result['error']}")
    return result


def bench_startup(ws: Workspace, reps: int) -> list[Figure]:
    """Item 5: `pixel-desktop --screenshot` wall time / bare PySide6 window grab."""
    setup_projects(ws)
    env = ws.env  # cached bytecode for both sides (bench/common.py)
    shots = ws.root / "shots"
    shots.mkdir(exist_ok=True)
    app_cmd = [PIXEL_DESKTOP, "--screenshot", str(shots / "app.png"), "--project", SAMPLE_SLUG]
    bare_cmd = [sys.executable, str(HERE / "bare_qt.py"), str(shots / "bare.png")]
    times: dict[str, list[float]] = {"app": [], "bare": []}

    def once(kind: str) -> float:
        cmd = app_cmd if kind == "app" else bare_cmd
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, check=False)
        took = time.perf_counter() - start
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise BenchError(f"{Path(cmd[0]).name} exited {proc.returncode}: {tail[:200]}")
        return took

    once("app"), once("bare")  # untimed: page cache, font cache, bytecode cache, store migration
    for i in range(reps):
        for kind in (("app", "bare") if i % 2 == 0 else ("bare", "app")):
            times[kind].append(once(kind))
    ratio = median(times["app"]) / median(times["bare"])
    imports = [_import_time(ws, "import pixel_desktop.gui.app, pixel_desktop.gui.main_window", env) for _ in range(3)]
    figures = [
        figure("5", "start-up: pixel-desktop --screenshot / bare PySide6", ratio, "x", limit=2, op="<=",
               details={"app_s": times["app"], "bare_s": times["bare"],
                        "app_median_s": median(times["app"]), "bare_median_s": median(times["bare"])}),
        figure("5", "  medians: pixel-desktop | bare", median(times["app"]), "s", fmt="{:.2f}"),
        figure("5", "  of which: interpreter + importing the GUI modules", median(imports), "s", fmt="{:.2f}",
               details={"runs_s": imports}),
    ]
    figures[1].shown += f" | {median(times['bare']):.2f} s"
    return figures + bench_first_paint(ws, reps)


def bench_first_paint(ws: Workspace, reps: int) -> list[Figure]:
    """Item 5 (issue 16): launch to the first painted frame of `pixel-desktop` (the window a
    user opens, on the bench store) / of a bare PySide6 QMainWindow, whole processes, in turn."""
    cmd = [sys.executable, str(HERE / "gui_harness.py"), "first-paint"]
    times: dict[str, list[float]] = {"app": [], "bare": []}
    env = ws.env  # cached bytecode for both sides (bench/common.py)

    def once(kind: str) -> float:
        start = time.perf_counter()
        proc = subprocess.run(cmd + (["--bare"] if kind == "bare" else []), env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        took = time.perf_counter() - start
        if proc.returncode != 0:
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            tail = lines[-1] if lines else (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise BenchError(f"first paint ({kind}) exited {proc.returncode}: {tail[:200]}")
        return took

    once("app"), once("bare")  # untimed: page cache, font cache, bytecode cache
    for i in range(reps):
        for kind in (("app", "bare") if i % 2 == 0 else ("bare", "app")):
            times[kind].append(once(kind))
    ratio = median(times["app"]) / median(times["bare"])
    figures = [
        figure("5", "first paint: pixel-desktop / bare PySide6 window", ratio, "x", limit=2, op="<=",
               details={"app_s": times["app"], "bare_s": times["bare"],
                        "app_median_s": median(times["app"]), "bare_median_s": median(times["bare"])}),
        figure("5", "  medians: pixel-desktop | bare", median(times["app"]), "s", fmt="{:.2f}"),
    ]
    figures[1].shown += f" | {median(times['bare']):.2f} s"
    return figures


def _import_time(ws: Workspace, statement: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", statement], env=env or ws.env, capture_output=True, text=True,
                          timeout=120, check=False)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"`python -c {statement!r}` failed: {proc.stderr.strip()[-200:]}")
    return took


def bench_flood(ws: Workspace, quick: bool) -> list[Figure]:
    """Item 4: highest sustained lines/s into the log view with event-loop stall p99 < 50 ms."""
    setup_projects(ws)
    seconds = "1.5" if quick else "3"
    result = _harness(ws, "flood", "--slug", SAMPLE_SLUG, "--rates", ",".join(map(str, FLOOD_RATES)),
                      "--seconds", seconds, timeout=600)
    best = result.get("best_rate") or 0
    steps = result["steps"]
    failed = next((s for s in steps if not s["holds"] and s["rate"] > best), None)
    details = {"steps": steps, "seconds_per_rate": float(seconds)}
    if failed:
        details["first_failing_rate"] = failed["rate"]
    held = next((s for s in steps if s["rate"] == best), None)
    details.update(published_total=result["published_total"], stored_total=result["stored_total"])
    figures = [figure("4", "GUI log flood: highest rate with stall p99 < 50 ms", float(best), "lines/s",
                      limit=FLOOD_TARGET, op=">=", fmt="{:,.0f}", details=details)]
    if held:
        seconds_f = float(seconds)
        figures.append(figure("4", f"  at {best:,.0f} lines/s: stall p99 | lines shown in the view", held["stall_p99_ms"],
                              "ms", fmt="{:.1f}"))
        figures[-1].shown += f" | {held['shown'] / seconds_f:,.0f} lines/s shown (rest counted, on disk)"
    figures.append(figure("4", "  flood lines in the store / published", result["stored_total"] / max(1, result["published_total"]),
                          "", limit=1.0, op=">=", fmt="{:.3f}"))
    return figures


def bench_gui_rss(ws: Workspace, state: BuildState) -> list[Figure]:
    """Item 9 (GUI): peak RSS across a sample build (with its container test) + 100,000 lines."""
    ws.require_docker()
    ensure_sample_image(ws, state)
    lines = "20000" if ws.quick else "100000"
    result = _harness(ws, "rss", "--slug", SAMPLE_SLUG, "--lines", lines, timeout=1200)
    if result["build_status"] != "completed":
        raise BenchError(f"the GUI's sample build {result['build_status']}; see `pixel builds show {result['build_id']}`")
    return [figure("9", f"peak RSS: GUI, sample build + {int(lines):,}-line flood", result["vm_hwm_bytes"] / 2**20,
                   "MiB", limit=400, op="<", fmt="{:.0f}", details=result)]
