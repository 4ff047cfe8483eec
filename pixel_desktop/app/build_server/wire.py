"""What a `pixel build` and its build server say to each other: one JSON object per line.

Why the runner's own event classes travel: the client renders exactly what an in-process
build renders (the same ``LogLine``/``PhaseChanged``/``StepProgress``/``BuildFinished``
reach the same printer), so the two paths cannot drift apart in what the user sees.

Client → server: a request (``{"op": "build" | "ping" | "stop", ...}``), then, for a build,
the line ``{"op": "cancel"}`` when the user presses Ctrl-C.
Server → client: ``{"type": "event", ...}`` lines, then one ``done`` (the result object),
``error`` (a message and exit code, nothing was queued) or ``refused`` (build here instead).
"""

from __future__ import annotations

import dataclasses
import json
import socket
from typing import Any

from pixel_desktop.events import BuildFinished, Event, LogLine, PhaseChanged, StepProgress

PROTOCOL = 1
FORWARDED_EVENTS: dict[str, type] = {
    cls.__name__: cls for cls in (LogLine, PhaseChanged, StepProgress, BuildFinished)
}
MAX_LINE = 16 * 1024 * 1024  # a log line of a megabyte is odd; sixteen is a broken peer


def encode_event(event: Event) -> dict[str, Any] | None:
    """The event as a wire object, None for events a `pixel build` does not show (metrics)."""
    name = type(event).__name__
    if name not in FORWARDED_EVENTS:
        return None
    return {"type": "event", "event": name, "fields": dataclasses.asdict(event)}


def decode_event(message: dict[str, Any]) -> Event | None:
    cls = FORWARDED_EVENTS.get(str(message.get("event")))
    fields = message.get("fields")
    if cls is None or not isinstance(fields, dict):
        return None
    try:
        return cls(**fields)
    except TypeError:
        return None


def dump(message: dict[str, Any]) -> bytes:
    return json.dumps(message, default=str, separators=(",", ":")).encode("utf-8") + b"\n"


class LineReader:
    """Reads newline-delimited JSON objects from a socket; None at end of stream."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def read(self) -> dict[str, Any] | None:
        while b"\n" not in self._buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                return None
            self._buffer += chunk
            if len(self._buffer) > MAX_LINE:
                raise ValueError("a message longer than 16 MB")
        line, _, self._buffer = self._buffer.partition(b"\n")
        value = json.loads(line)
        if not isinstance(value, dict):
            raise ValueError("a message that is not a JSON object")
        return value
