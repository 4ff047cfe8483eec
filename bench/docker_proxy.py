"""A transparent unix-socket proxy in front of the Docker daemon that timestamps builds.

Why a proxy and not log timestamps: "first byte sent to the daemon" happens inside
docker-py (it tars the whole context into a temp file, then POSTs it), so no engine event
marks it. Everything the client sends is relayed unchanged to the real socket; the proxy
only notes the wall-clock time (``time.time()``, comparable with the engine's event
timestamps) at which the request line of the first ``POST …/build`` arrives.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from pathlib import Path

_BUILD_RE = re.compile(rb"POST /(?:v[0-9.]+/)?build\?")
_CARRY = 64


class BuildTimestampProxy:
    def __init__(self, listen_path: Path, upstream_path: str) -> None:
        self.listen_path = listen_path
        self.upstream_path = upstream_path
        self.first_build_byte: float | None = None
        self._armed = threading.Event()
        self._lock = threading.Lock()
        listen_path.unlink(missing_ok=True)
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(listen_path))
        self._server.listen(64)
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="bench-docker-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"unix://{self.listen_path}"

    def arm(self) -> None:
        """Forget the last timestamp; the next build request sets a new one."""
        with self._lock:
            self.first_build_byte = None
        self._armed.set()

    def _mark(self) -> None:
        now = time.time()
        with self._lock:
            if self._armed.is_set() and self.first_build_byte is None:
                self.first_build_byte = now
                self._armed.clear()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(self.upstream_path)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, watch: bool) -> None:
        tail = b""
        try:
            while True:
                data = src.recv(262144)
                if not data:
                    break
                if watch and self._armed.is_set():
                    window = tail + data
                    if _BUILD_RE.search(window):
                        self._mark()
                    tail = window[-_CARRY:]
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)
            if not watch:
                with contextlib.suppress(OSError):
                    src.close()
                with contextlib.suppress(OSError):
                    dst.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._server.close()
        self.listen_path.unlink(missing_ok=True)
