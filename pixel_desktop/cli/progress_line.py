"""The one updating status line `pixel build` shows on a terminal.

Why: a build prints hundreds of Docker lines; on a terminal the user still wants to see at a
glance which phase and Docker step it is in. The status line sits below the log: each log
line clears it (carriage return + erase line), prints above it, and redraws it; the end
clears it. When the output is not a terminal (a pipe, a CI log, ``--json``) nothing but the
plain log lines is written, so logs stay grep-able and free of control characters.
"""

from __future__ import annotations

import shutil
import threading
import time
from typing import TextIO

CLEAR = "\r\x1b[K"  # back to column 0, erase to the end of the line
INSTRUCTION_MAX = 60


def status_text(phase: str, step: tuple[int, int, str] | None, elapsed_s: float) -> str:
    """"building · step 7/15 COPY main.py /app/main.py · 42 s" (the step only while building)."""
    parts = [phase or "queued"]
    if step is not None and phase == "building":
        n, m, instruction = step
        if len(instruction) > INSTRUCTION_MAX:
            instruction = instruction[: INSTRUCTION_MAX - 1] + "…"
        parts.append(f"step {n}/{m} {instruction}")
    parts.append(f"{elapsed_s:.0f} s")
    return " · ".join(parts)


class ProgressLine:
    """Log lines above, one status line below (``live``); plain log lines otherwise."""

    def __init__(self, stream: TextIO, *, live: bool) -> None:
        self.stream, self.live = stream, live
        self._lock = threading.Lock()
        self._phase = ""
        self._step: tuple[int, int, str] | None = None
        self._t0 = time.monotonic()
        self._shown = False

    @classmethod
    def for_stream(cls, stream: TextIO, *, plain: bool = False) -> ProgressLine:
        """Live only on a terminal and when the caller does not ask for plain output."""
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        return cls(stream, live=tty and not plain)

    def log(self, text: str) -> None:
        with self._lock:
            self._write((CLEAR if self._shown else "") + text + "\n")
            if self._shown:
                self._draw()

    def phase(self, phase: str) -> None:
        with self._lock:
            self._phase = phase
            if self.live:
                self._draw()

    def step(self, n: int, m: int, instruction: str) -> None:
        with self._lock:
            self._step = (n, m, instruction)
            if self.live:
                self._draw()

    def close(self) -> None:
        """Clear the status line, so the final message starts at column 0 of an empty line."""
        with self._lock:
            if self._shown:
                self._write(CLEAR)
                self._shown = False

    def _draw(self) -> None:
        width = shutil.get_terminal_size((100, 24)).columns
        text = status_text(self._phase, self._step, time.monotonic() - self._t0)
        self._write(CLEAR + text[: max(width - 1, 10)])
        self._shown = True

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away; the build goes on
            pass
