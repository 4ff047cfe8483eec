"""Two processes (say the GUI and a CLI build) writing one SQLite file wait, never fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

WRITER = """
import sys
from pixel_desktop.store import Store

store = Store.open(sys.argv[1])
project = store.projects.get("shared")
for n in range(60):
    build = store.builds.create(project.id)
    store.builds.append_log(build.id, [f"{sys.argv[2]} {n} {i}" for i in range(400)])
    store.builds.set_status(build.id, "completed")
    current = store.projects.get("shared")
    store.projects.overwrite("shared", current.spec)
store.close()
"""


@pytest.mark.timeout(300)
def test_two_writer_processes_on_one_sqlite_file_both_finish(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Store.open(url) as store:
        store.projects.create(spec_from_data({"spec_version": 1, "name": "Shared", "client": "C"}))
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    children = [
        subprocess.Popen(
            [sys.executable, str(script), url, name], stderr=subprocess.PIPE, text=True
        )
        for name in ("gui", "cli")
    ]
    for child in children:
        _, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
    with Store.open(url) as store:
        assert store.builds.count_by_status() == {"completed": 120}
        assert store.projects.get("shared").version == 121  # no overwrite was lost
        for build in store.builds.list(limit=500):
            lines = list(store.builds.read_log(build.id))
            who, n = lines[0].split()[:2]
            assert lines == [f"{who} {n} {i}" for i in range(400)]
