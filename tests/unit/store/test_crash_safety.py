"""A process killed with SIGKILL mid-write leaves a sound SQLite file with every commit in it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pixel_desktop.store import Store

WRITER = """
import sys
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

store = Store.open(sys.argv[1])
project = store.projects.create(spec_from_data({"spec_version": 1, "name": "Crash", "client": "C"}))
print("ready", project.id, flush=True)
while True:
    build = store.builds.create(project.id)
    store.builds.append_log(build.id, [f"line {j} of build {build.id}" for j in range(300)])
    store.builds.add_artifacts(build.id, [("blob.bin", bytes(8192), "data")])
    store.builds.set_status(build.id, "completed")
    print(build.id, flush=True)  # only after the last commit for this build returned
"""

COMMITS_BEFORE_KILL = 120


@pytest.mark.timeout(180)
def test_sigkill_in_a_write_loop_keeps_the_file_sound_and_every_commit(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), f"sqlite:///{db}"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None
    first = child.stdout.readline().split()
    assert first[:1] == ["ready"], f"writer did not start: {first}"
    committed: list[int] = []
    while len(committed) < COMMITS_BEFORE_KILL:
        line = child.stdout.readline()
        assert line, f"writer exited early with {child.poll()}"
        committed.append(int(line))
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=60)
    committed += [int(x) for x in rest.split()]
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

    with Store.open(f"sqlite:///{db}") as store:
        for build_id in committed:
            build = store.builds.get(build_id)
            assert build.status == "completed"
            lines = list(store.builds.read_log(build_id))
            assert len(lines) == 300 and lines[-1] == f"line 299 of build {build_id}"
            assert [a.size_bytes for a in store.builds.artifacts(build_id)] == [8192]
        # A build the kill interrupted is either absent or consistent, never half a log batch.
        for build in store.builds.list(limit=10_000):
            assert build.log_line_count in (0, 300)
            assert len(list(store.builds.read_log(build.id))) == build.log_line_count
