"""10,000 log lines/s for 10 s through the real bridge: the GUI loop stays responsive.

The engine's durable ``LogWriter`` and the GUI ``EventBridge`` subscribe to the same bus, as
in the app. A 5 ms QTimer heartbeat records how late the event loop gets to it; the stall
is the gap between heartbeats. Every published line must end up in the store and the file.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from pixel_desktop import paths
from pixel_desktop.build.logwriter import LogWriter
from pixel_desktop.events import LogLine
from pixel_desktop.gui.logview import MAX_VIEW_LINES

RATE = 10_000  # lines per second
SECONDS = 10
TOTAL = RATE * SECONDS
HEARTBEAT_MS = 5


@pytest.mark.slow
def test_log_flood_keeps_the_event_loop_responsive_and_every_line_on_disk(qtbot, window, services) -> None:
    from PySide6.QtCore import QTimer

    project = services.store.projects.get("acme-support-bot")
    build = services.store.builds.create(project.id)
    writer = LogWriter(services.store, threading.RLock())
    unsubscribe = services.bus.subscribe(writer)
    window.tabs.setCurrentWidget(window.builds_tab)
    window.builds_tab.show_build(build.id, live=True)

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    done = threading.Event()

    def publish() -> None:
        start = time.perf_counter()
        sent = 0
        while sent < TOTAL:
            due = min(TOTAL, int((time.perf_counter() - start) * RATE) + 1)
            while sent < due:
                services.bus.publish(LogLine(build.id, f"line {sent:06d} " + "x" * 60, "docker"))
                sent += 1
            time.sleep(0.002)
        done.set()

    heartbeat.start()
    publisher = threading.Thread(target=publish, name="flood-publisher")
    t0 = time.perf_counter()
    publisher.start()
    qtbot.waitUntil(done.is_set, timeout=(SECONDS + 20) * 1000)
    elapsed = time.perf_counter() - t0
    qtbot.wait(300)  # let the last batches reach the view
    heartbeat.stop()
    publisher.join(5)

    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(beats))
    p99 = gaps[int(len(gaps) * 0.99)]
    assert elapsed < SECONDS * 1.5, f"publishing took {elapsed:.1f} s; the flood was throttled"
    assert len(gaps) > SECONDS * 1000 / HEARTBEAT_MS / 4, "the heartbeat barely ran"
    assert p99 < 50, f"event-loop stall p99 {p99:.1f} ms (max {gaps[-1]:.1f} ms)"
    assert gaps[-1] < 200, f"event-loop stall max {gaps[-1]:.1f} ms (p99 {p99:.1f} ms)"

    # The view is bounded and got everything (shown or explicitly skipped), the newest last.
    view = window.builds_tab.log
    assert window.bridge.received_lines == TOTAL
    assert view.lines_seen == TOTAL
    assert view.blockCount() <= MAX_VIEW_LINES
    assert view.toPlainText().rstrip().endswith(f"line {TOTAL - 1:06d} " + "x" * 60)

    # Every line is on disk, in order: in the store and in the log file.
    unsubscribe()
    writer.close()
    stored = list(services.store.builds.read_log(build.id))
    assert len(stored) == TOTAL
    assert stored[0].startswith("line 000000 ") and stored[-1].startswith(f"line {TOTAL - 1:06d} ")
    assert all(stored[i].startswith(f"line {i:06d} ") for i in range(0, TOTAL, 997))
    log_file = paths.build_logs_dir() / f"{build.id}.log"
    assert sum(1 for _ in log_file.open(encoding="utf-8")) == TOTAL
