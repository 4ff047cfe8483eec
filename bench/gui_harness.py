"""Runs inside a subprocess with offscreen Qt: the real main window, bridge and log view.

Modes (the result is one JSON object on the last stdout line):
  flood --slug S --rates 1000,2000 --seconds 3
      For each rate, a worker thread publishes LogLine events on the app's own EventBus
      (as build workers do; the engine's log writer is subscribed too) while a 10 ms
      precise QTimer on the GUI thread records how late it fires (event-loop stall); at
      the end every published line must be in the store.
  rss --slug S --lines 100000
      Presses Build (real build + container test of S), then floods the finished build's
      log view with 100,000 lines, and reports the process's peak RSS (VmHWM).
  first-paint [--bare]
      Starts `pixel-desktop` (its ``main()``, no options: the window a user opens) or, with
      --bare, an empty QMainWindow of the same size, and exits as soon as the main window's
      first frame is painted; the parent times the whole process from launch to exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_S = 0.010


def _vm_hwm() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _line(i: int) -> str:
    return (f"Step 7/15 : pip: Collecting package-{i % 977}==1.{i % 31}.0 "
            f"(from -r /app/requirements.txt (line {i % 40})) [{i}]")


class Flood:
    """Publishes lines at a fixed rate from a worker thread, in 10 ms slices."""

    def __init__(self, bus: Any, build_id: int, rate: float | None, total: int) -> None:
        self.bus, self.build_id, self.rate, self.total = bus, build_id, rate, total
        self.published = 0
        self.elapsed = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        from pixel_desktop.events import LogLine

        start = time.perf_counter()
        publish, bid = self.bus.publish, self.build_id
        i = 0
        while i < self.total:
            if self.rate:
                due = int((time.perf_counter() - start + TICK_S) * self.rate)
                target = min(self.total, due)
            else:
                target = min(self.total, i + 1000)
            while i < target:
                publish(LogLine(bid, _line(i), "docker"))
                i += 1
            if self.rate:
                next_tick = start + (i / self.rate)
                delay = next_tick - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            else:
                time.sleep(0.001)
        self.published = i
        self.elapsed = time.perf_counter() - start
        self.done.set()


class Harness:
    def __init__(self, slug: str) -> None:
        from PySide6.QtCore import QCoreApplication, Qt, QTimer
        from PySide6.QtWidgets import QApplication

        from pixel_desktop.gui import theme
        from pixel_desktop.gui.main_window import MainWindow
        from pixel_desktop.gui.services import Services

        QCoreApplication.setOrganizationName("Pixel")
        QCoreApplication.setApplicationName("Pixel AI Creator")
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        theme.apply(self.app)
        self.slug = slug
        self.services = Services()
        self.services.open_store()
        self.window = MainWindow(self.services, periodic_checks=False)
        self.window.resize(1400, 900)
        self.window.show()
        self.window.start(select=slug)
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(int(TICK_S * 1000))
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.shown = 0
        self.skipped = 0
        self.published_total = 0
        self.window.bridge.log_batch.connect(self._on_batch)
        self.finished: dict[int, str] = {}
        self.window.bridge.build_finished.connect(lambda e: self.finished.__setitem__(e.build_id, e.status))

    def _on_batch(self, batch: list[Any], skipped: int) -> None:
        self.shown += len(batch)
        self.skipped += skipped

    async def ready(self, timeout: float = 60) -> None:
        w = self.window
        deadline = time.monotonic() + timeout
        while not (w.projects_loaded and w.record is not None and w.record.slug == self.slug
                   and w.daemon_state is not None and not w.tasks.pending):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the main window did not load project {self.slug} within {timeout:.0f} s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)

    async def drain(self) -> None:
        bridge = self.window.bridge
        for _ in range(400):
            if not bridge._lines:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.15)

    async def flood_step(self, build_id: int, rate: float, seconds: float) -> dict[str, Any]:
        self.window.builds_tab.log.clear_log()
        self.shown = self.skipped = 0
        await asyncio.sleep(0.3)
        flood = Flood(self.services.bus, build_id, rate, int(rate * seconds))
        self.ticks = []
        self.timer.start()
        thread = threading.Thread(target=flood.run, daemon=True)
        thread.start()
        while not flood.done.is_set():
            await asyncio.sleep(0.01)
        self.timer.stop()
        self.published_total += flood.published
        await self.drain()
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        stalls = sorted(max(0.0, g - TICK_S) for g in gaps)
        p99 = stalls[max(0, int(len(stalls) * 0.99) - 1)] if stalls else None
        achieved = flood.published / flood.elapsed if flood.elapsed else 0.0
        return {
            "rate": rate, "achieved_rate": achieved, "published": flood.published,
            "shown": self.shown, "skipped": self.skipped, "ticks": len(self.ticks),
            "stall_p99_ms": p99 * 1000 if p99 is not None else None,
            "stall_max_ms": stalls[-1] * 1000 if stalls else None,
            "view_lines": self.window.builds_tab.log.blockCount(),
        }

    def close(self) -> None:
        self.window.shutdown()
        self.services.close()


def holds(step: dict[str, Any]) -> bool:
    """Responsive (stall p99 < 50 ms), the producer kept the rate, the bridge kept up.

    The bridge shows at most MAX_LINES_PER_FLUSH lines per flush by design and counts the
    rest as skipped (they are still written to the store and the log file), so "kept up"
    means every published line was either shown or counted, with no backlog left.
    """
    return (step["stall_p99_ms"] is not None and step["stall_p99_ms"] < 50
            and step["shown"] + step["skipped"] == step["published"]
            and step["achieved_rate"] >= 0.95 * step["rate"])


async def flood_mode(h: Harness, rates: list[float], seconds: float) -> dict[str, Any]:
    await h.ready()
    project = h.services.get_project(h.slug)
    build_id = h.services.store.builds.create(project.id).id
    _ = h.services.engine  # the engine's log writer listens to the bus, as during a real build
    h.window.builds_tab.show_build(build_id, live=True)
    steps: list[dict[str, Any]] = []
    best = None

    async def attempt(rate: float) -> bool:
        step = await h.flood_step(build_id, rate, seconds)
        if not holds(step):  # one retry: a 2-core machine has noisy neighbours
            step = await h.flood_step(build_id, rate, seconds) | {"retried": True}
        step["holds"] = holds(step)
        steps.append(step)
        return step["holds"]

    for rate in rates:
        if not await attempt(rate):
            if best is not None:  # one refinement between the last good and first bad rate
                middle = float(round((best * rate) ** 0.5, -2))
                if best < middle < rate and await attempt(middle):
                    best = middle
            break
        best = rate
    engine = h.services.engine
    engine._log_writer.flush(build_id)  # make the durable copy complete before counting
    stored = sum(1 for _ in h.services.store.builds.read_log(build_id))
    published = h.published_total  # every attempt, retries included
    return {"best_rate": best, "steps": steps, "vm_hwm_bytes": _vm_hwm(),
            "published_total": published, "stored_total": stored}


async def rss_mode(h: Harness, lines: int, timeout: float) -> dict[str, Any]:
    await h.ready()
    before = _vm_hwm()
    started = time.monotonic()
    h.window.build()
    while not h.window.active_builds:
        if time.monotonic() - started > 60:
            raise RuntimeError("pressing Build did not start a build within 60 s")
        await asyncio.sleep(0.05)
    build_id = max(h.window.active_builds)
    while build_id not in h.finished:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"build {build_id} did not finish within {timeout:.0f} s")
        await asyncio.sleep(0.1)
    build_s = time.monotonic() - started
    after_build = _vm_hwm()
    h.window.builds_tab.show_build(build_id, live=True)
    h.shown = h.skipped = 0
    flood = Flood(h.services.bus, build_id, None, lines)
    thread = threading.Thread(target=flood.run, daemon=True)
    thread.start()
    while not flood.done.is_set():
        await asyncio.sleep(0.01)
    await h.drain()
    await asyncio.sleep(1.0)  # log writer flushes to the store
    return {
        "build_id": build_id, "build_status": h.finished[build_id], "build_s": build_s,
        "flood_lines": flood.published, "flood_s": flood.elapsed, "shown": h.shown, "skipped": h.skipped,
        "vm_hwm_start_bytes": before, "vm_hwm_after_build_bytes": after_build, "vm_hwm_bytes": _vm_hwm(),
    }


def first_paint_mode(bare: bool) -> None:
    """Exit (0) right after the first paint of a widget of the main window has been
    flushed: what the user sees first, however much is still loading behind it."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    def painted() -> None:
        sys.stdout.write(json.dumps({"painted": True}) + "\n")
        sys.stdout.flush()
        os._exit(0)  # no teardown: the parent's clock stops at the first frame

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not self.seen
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and isinstance(watched.window(), QMainWindow)
            ):
                self.seen = True
                QTimer.singleShot(0, painted)  # after this frame's paint events are done
            return False

    app = QApplication.instance() or QApplication(sys.argv[:1])
    watch = FirstPaint()
    app.installEventFilter(watch)
    if bare:
        window = QMainWindow()
        window.resize(1400, 900)
        window.show()
        app.exec()
    else:
        from pixel_desktop.gui.app import main as app_main

        app_main([])
    sys.stdout.write(json.dumps({"error": "the window closed before it was painted"}) + "\n")
    sys.stdout.flush()
    os._exit(1)


def main() -> int:
    if sys.argv[1:2] == ["first-paint"]:
        first_paint_mode(bare="--bare" in sys.argv[2:])
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("flood", "rss"))
    parser.add_argument("--slug", required=True)
    parser.add_argument("--rates", default="1000,2000,5000,10000,20000,50000,100000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    import qasync

    h = Harness(args.slug)
    loop = qasync.QEventLoop(h.app)
    asyncio.set_event_loop(loop)
    if args.mode == "flood":
        coro = flood_mode(h, [float(r) for r in args.rates.split(",")], args.seconds)
    else:
        coro = rss_mode(h, args.lines, args.timeout)
    code = 0
    try:
        result = loop.run_until_complete(coro)
    except Exception as exc:  # reported to the parent as one line
        result, code = {"error": f"{exc.__class__.__name__}: {exc}"}, 1
    try:
        h.close()
    except Exception as exc:
        result.setdefault("close_error", str(exc))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown of Qt objects; everything is reported


if __name__ == "__main__":
    raise SystemExit(main())
