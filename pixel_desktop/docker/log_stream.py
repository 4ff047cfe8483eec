"""A followed log (a container's or a Swarm service's) as lines that can be closed.

Why a type of its own: the CLI prints a followed log until Ctrl+C and the GUI's log view
until its panel closes; both need to stop a blocking read from another thread, which
closing the underlying HTTP stream does (docker-py's ``CancellableStream.close``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator

from pixel_desktop.docker.errors import DAEMON_ERRORS, translate


class LogStream:
    """Iterate for decoded lines (without their newline); ``close`` from any thread ends the
    iteration. A daemon error while reading ends it too (the source went away)."""

    def __init__(
        self, chunks: Iterable[bytes | str], closer: Callable[[], None] | None, *, host: str = ""
    ) -> None:
        self._chunks = chunks
        self._host = host
        self._closer = closer
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if self._closer is not None:
            with contextlib.suppress(Exception):
                self._closer()

    def __iter__(self) -> Iterator[str]:
        pending = ""
        try:
            for chunk in self._chunks:
                if self._closed.is_set():
                    break
                text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
                pending += text
                *lines, pending = pending.split("\n")
                yield from (line.rstrip("\r") for line in lines)
        except DAEMON_ERRORS as exc:
            if not self._closed.is_set():
                raise translate(self._host, "read logs", exc) from exc
        except (AttributeError, OSError, ValueError):
            # Closing the socket under a blocked read surfaces as one of these.
            if not self._closed.is_set():
                raise
        if pending and not self._closed.is_set():
            yield pending.rstrip("\r")

    def __enter__(self) -> LogStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
