"""The log writer keeps every line, in order, in the store and the log file."""

import threading

from store_fakes import FakeStore

from pixel_desktop import paths
from pixel_desktop.build.logwriter import LogWriter
from pixel_desktop.events import EventBus, LogLine


def test_a_hundred_thousand_lines_are_all_kept_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    store = FakeStore([])
    writer = LogWriter(store, threading.RLock())
    bus = EventBus()
    bus.subscribe(writer)
    for i in range(100_000):
        bus.publish(LogLine(7, f"line {i}"))
    writer.close()
    assert store.builds.logs[7] == [f"line {i}" for i in range(100_000)]
    file_lines = (paths.build_logs_dir() / "7.log").read_text().splitlines()
    assert file_lines[0] == "line 0" and file_lines[-1] == "line 99999"
    assert len(file_lines) == 100_000


def test_lines_of_several_builds_stay_separate(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    store = FakeStore([])
    writer = LogWriter(store, threading.RLock())
    writer(LogLine(1, "a1"))
    writer(LogLine(2, "b1"))
    writer(LogLine(1, "a2"))
    writer.flush(1)
    assert store.builds.logs == {1: ["a1", "a2"]}
    writer.close()
    assert store.builds.logs[2] == ["b1"]


def test_a_build_starts_a_fresh_log_file_even_if_one_with_its_id_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    stale = paths.build_logs_dir() / "9.log"
    stale.write_text("old build line\n")
    store = FakeStore([])
    writer = LogWriter(store, threading.RLock())
    writer(LogLine(9, "first"))
    writer.flush(9)
    writer(LogLine(9, "second"))
    writer.flush(9)
    writer.close()
    assert stale.read_text().splitlines() == ["first", "second"]
