"""Streams another thread can close, the idle watchdog, and the build-stream parser.

Why their own module: a build, push or pull is one long HTTP response read on a worker
thread; the cancel button and the idle watchdog run elsewhere and must be able to end it.
Closing shuts the socket down, which unblocks the reader and makes dockerd see the client
disconnect (for a build, that cancels it daemon-side). The parser is free of I/O so the
daemon's quirks are unit-testable with plain dicts.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from pixel_desktop.docker.errors import stream_error

_STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_RUNNING_IN_RE = re.compile(r"^ ---> Running in ([0-9a-f]{12,64})")
_SUCCESS_RE = re.compile(r"^Successfully built ([0-9a-f]{12,64})")


class StreamHandle:
    """Lets another thread close a streaming response (cancel, idle watchdog)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: Any = None
        self._response: Any = None
        self.reason: str | None = None  # "cancelled" | "idle" once closed by us
        self.last_activity = time.monotonic()

    def attach(self, response: Any, sock: Any) -> None:
        with self._lock:
            self._response, self._sock = response, sock
            closed_early = self.reason is not None
        if closed_early:
            self._shutdown()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def close(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            sock, response = self._sock, self._response
        raw = getattr(sock, "_sock", sock)
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)
        if response is not None:
            with contextlib.suppress(Exception):  # a half-dead response may raise anything
                response.close()


class Watchdog(threading.Thread):
    """Closes a stream that has been silent for ``idle_s`` seconds."""

    def __init__(self, handle: StreamHandle, idle_s: float, poll_s: float = 0.5) -> None:
        super().__init__(name="pixel-stream-watchdog", daemon=True)
        self.handle, self.idle_s, self.poll_s = handle, idle_s, poll_s
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.poll_s):
            if time.monotonic() - self.handle.last_activity > self.idle_s:
                self.handle.close("idle")
                return


@contextlib.contextmanager
def watched(handle: StreamHandle, idle_s: float | None) -> Iterator[StreamHandle]:
    """Keep a watchdog on ``handle`` while the block reads its stream (None: no watchdog)."""
    handle.touch()
    if idle_s is None:
        yield handle
        return
    dog = Watchdog(handle, idle_s)
    dog.start()
    try:
        yield handle
    finally:
        dog.done.set()


class BuildStreamParser:
    """Turns decoded build-stream chunks into log lines, step progress and the outcome.

    Kept free of I/O so the quirks (errors inside a 200 stream, ``Step N/M``, cache hits,
    ``Running in`` containers a cancel must clean up) are unit-testable with plain dicts.
    """

    def __init__(self) -> None:
        self.step = 0
        self.total = 0
        self.instruction = ""
        self.image_id: str | None = None
        self.error: str | None = None
        self.running_container: str | None = None
        self.cached_steps = 0
        self.instructions: list[str] = []
        self.cached_instructions: list[str] = []
        self._partial = ""

    def feed(self, chunk: dict[str, Any]) -> list[tuple[str, Any]]:
        """Return events as ``("log", text)`` / ``("step", (n, m, instr))`` tuples."""
        out: list[tuple[str, Any]] = []
        error = stream_error(chunk)
        if error is not None:
            self.error = error
            out.append(("log", f"ERROR: {self.error}"))
            return out
        aux = chunk.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            self.image_id = aux["ID"]
        stream = chunk.get("stream")
        if isinstance(stream, str):
            text = self._partial + stream
            lines = text.split("\n")
            self._partial = lines.pop()  # incomplete tail waits for the next chunk
            for line in lines:
                out.extend(self._line(line.rstrip("\r")))
        status = chunk.get("status")
        if isinstance(status, str):
            progress = chunk.get("progress")
            ident = chunk.get("id")
            text = f"{ident}: {status}" if ident else status
            if not progress:  # progress bars would flood the log
                out.append(("log", text))
        return out

    def flush(self) -> list[tuple[str, Any]]:
        if self._partial:
            line, self._partial = self._partial, ""
            return self._line(line)
        return []

    def _line(self, line: str) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("log", line)]
        m = _STEP_RE.match(line)
        if m:
            self.step, self.total, self.instruction = int(m[1]), int(m[2]), m[3]
            self.instructions.append(m[3])
            self.running_container = None
            out.append(("step", (self.step, self.total, self.instruction)))
            return out
        if line.strip() == "---> Using cache":
            self.cached_steps += 1
            self.cached_instructions.append(self.instruction)
            return out
        m = _RUNNING_IN_RE.match(line)
        if m:
            self.running_container = m[1]
            return out
        m = _SUCCESS_RE.match(line)
        if m and not self.image_id:
            self.image_id = m[1]
        return out
