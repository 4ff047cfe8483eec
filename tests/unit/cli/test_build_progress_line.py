"""`pixel build`: one updating phase/step line on a terminal, plain lines otherwise."""

from __future__ import annotations

import argparse
import io
import os
import pty
from dataclasses import dataclass
from datetime import UTC, datetime

from pixel_desktop.cli import builds as cli_builds
from pixel_desktop.cli.progress_line import CLEAR, ProgressLine, status_text
from pixel_desktop.events import BuildFinished, LogLine, PhaseChanged, StepProgress
from pixel_desktop.store.records import BuildRecord

EVENTS = [
    PhaseChanged(7, "generating"),
    LogLine(7, "== generating"),
    PhaseChanged(7, "building"),
    StepProgress(7, 3, 15, "COPY main.py /app/main.py"),
    LogLine(7, "Step 3/15 : COPY main.py /app/main.py"),
    LogLine(7, "reuse: Prompt-only change since build #6: 13 of 13 steps reused from cache"),
    PhaseChanged(7, "completed"),
    BuildFinished(7, "completed", None, {"duration_s": 1.0}),
]


@dataclass
class _Job:
    id: int = 7


class _Builds:
    def submit(self, slug, **kwargs):
        return _Job()

    def wait(self, job, timeout=None):
        return BuildRecord(
            id=7, project_id=1, project_slug="acme", status="completed",
            created_at=datetime.now(UTC), image_name="pixel/acme:b7",
        )


class _Bus:
    def subscribe_job(self, job, callback):
        for event in EVENTS:  # the replay of a finished job: every event, in order
            callback(event)
        return lambda: None


class _Jobs:
    def force_local(self, n):
        pass

    def shutdown(self, timeout=None):
        pass


class _App:
    builds, bus, jobs = _Builds(), _Bus(), _Jobs()


def _args(**over) -> argparse.Namespace:
    base = dict(slug="acme", no_test=False, no_cache=False, push=None, json=False, local=False)
    return argparse.Namespace(**{**base, **over})


def test_on_a_terminal_phase_and_step_share_one_updating_line_cleared_at_the_end(monkeypatch):
    master, slave = pty.openpty()
    tty = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    try:
        monkeypatch.setattr("sys.stdout", tty)
        assert cli_builds.cmd_build(_args(), _App()) == 0
        tty.flush()
        out = os.read(master, 65536).decode()
    finally:
        tty.close()
        os.close(master)
    assert "\r\x1b[K" in out
    assert "building · step 3/15 COPY main.py /app/main.py" in out
    # Log lines are printed above the status line, each on a line of its own.
    assert "\x1b[K== generating\r\n" in out or "\x1b[K== generating\n" in out
    # The status line is cleared before the final message.
    before_final = out.split("Build 7 completed")[0]
    assert before_final.endswith(CLEAR)


def test_piped_output_is_plain_lines_without_control_characters(capsys):
    assert cli_builds.cmd_build(_args(), _App()) == 0
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out
    assert out.splitlines() == [
        "== generating",
        "Step 3/15 : COPY main.py /app/main.py",
        "reuse: Prompt-only change since build #6: 13 of 13 steps reused from cache",
        "Build 7 completed: pixel/acme:b7",
    ]


class _FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_output_on_a_terminal_still_gets_plain_lines():
    stream = _FakeTTY()
    line = ProgressLine.for_stream(stream, plain=True)
    line.phase("building")
    line.step(1, 2, "FROM base")
    line.log("hello")
    line.close()
    assert stream.getvalue() == "hello\n"


def test_a_log_line_clears_the_status_prints_above_it_and_redraws_it():
    stream = _FakeTTY()
    line = ProgressLine.for_stream(stream)
    line.phase("testing")
    stream.seek(0)
    stream.truncate()
    line.log("health ok")
    value = stream.getvalue()
    assert value.startswith(CLEAR + "health ok\n" + CLEAR + "testing · ")
    line.close()
    assert stream.getvalue().endswith(CLEAR)


def test_status_text_names_the_step_only_while_building_and_shortens_long_instructions():
    assert status_text("testing", (15, 15, "CMD x"), 42.4) == "testing · 42 s"
    text = status_text("building", (2, 15, "RUN " + "x" * 100), 3.0)
    assert text.startswith("building · step 2/15 RUN xxx") and "…" in text
