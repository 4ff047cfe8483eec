"""`pixel build`'s side of the build server: find or start the server, hand it the build,
pass its events to the caller's printer.

Why a fallback everywhere: the server is a speed-up, never a requirement. When it is off
(``PIXEL_BUILD_SERVER=off``), unsupported (Windows), refuses (another identity, stopping)
or cannot start, :func:`build` returns None before anything was queued and the caller builds
in its own process as it always did. Only the standard library and the event classes are
imported here, so handing a build over costs a few tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pixel_desktop import paths
from pixel_desktop.app.build_server import identity, wire
from pixel_desktop.app.build_server.identity import Identity
from pixel_desktop.events import Event

START_TIMEOUT_S = 120.0  # first start may migrate the store; the server says when it is ready
CONNECT_RETRY_S = 10.0
CANCEL_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class BuildRequest:
    slug: str
    run_tests: bool = True
    push_registry: str | None = None
    no_cache: bool = False


@dataclass(slots=True)
class Outcome:
    """How a build the server ran ended: ``result`` (the `--json` object) when it ran,
    else ``error`` and ``exit_code`` (nothing was queued)."""

    result: dict[str, Any] | None = None
    error: str | None = None
    exit_code: int = 0
    notes: list[str] = field(default_factory=list)


class ServerUnavailable(Exception):
    """No server can take this build (the message says why, for --debug and the note)."""


def _spawn_command(ident: Identity, store_arg: str | None) -> list[str]:
    store = ["--store", store_arg] if store_arg else []
    tail = [*store, "build-server", "serve", "--fingerprint", ident.fingerprint]
    if getattr(sys, "frozen", False):
        return [sys.executable, *tail]  # the bundle's `pixel` executable
    return [sys.executable, "-m", "pixel_desktop.cli.main", *tail]


def _read_line(pipe: Any, deadline: float) -> str:
    buffer = b""
    fd = pipe.fileno()
    while not buffer.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ServerUnavailable(f"it did not say it was ready within {START_TIMEOUT_S:.0f} s")
        readable, _, _ = select.select([fd], [], [], left)
        if not readable:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buffer += chunk
    return buffer.decode("utf-8", "replace").strip()


def start(ident: Identity, store_arg: str | None) -> None:
    """Start a server for ``ident`` and wait until it accepts clients (ServerUnavailable with
    its own words when it cannot start). It runs in a session of its own, so closing the
    terminal does not stop it, and logs to ``<data folder>/logs/build-server.log``."""
    import subprocess  # only when starting one

    log_path = paths.private_file(paths.logs_dir() / "build-server.log")
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            _spawn_command(ident, store_arg),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            start_new_session=True,
            close_fds=True,
        )
    assert proc.stdout is not None
    try:
        said = _read_line(proc.stdout, time.monotonic() + START_TIMEOUT_S)
    finally:
        proc.stdout.close()
    if said != "ready":
        with contextlib.suppress(OSError):
            proc.wait(timeout=1)
        raise ServerUnavailable(said.removeprefix("error: ") or f"it exited ({proc.poll()}) without a word; see {log_path}")
    # Reaped by init once this process exits; a ResourceWarning would only say that.
    proc.returncode = 0


def connect(ident: Identity, *, retry_s: float = 0.0) -> socket.socket:
    """A connection to ``ident``'s server; ConnectionError/FileNotFoundError when none
    answers within ``retry_s`` (another process may be binding it right now)."""
    deadline = time.monotonic() + retry_s
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(ident.socket_path))
            return sock
        except (ConnectionError, FileNotFoundError):
            sock.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _connect_or_start(ident: Identity, store_arg: str | None) -> socket.socket:
    try:
        return connect(ident)
    except (ConnectionError, FileNotFoundError):
        pass
    start(ident, store_arg)
    try:
        return connect(ident, retry_s=CONNECT_RETRY_S)
    except (ConnectionError, FileNotFoundError) as exc:
        raise ServerUnavailable(f"it said it was ready but does not answer ({exc})") from None


def build(
    request: BuildRequest,
    store_arg: str | None,
    on_event: Callable[[Event], None],
    on_cancelling: Callable[[int], None],
) -> Outcome | None:
    """Run ``request`` on the build server; None when it cannot (build in process instead).

    ``on_event`` gets the build's events in order, from its first; ``on_cancelling(id)``
    is called once when Ctrl-C asks the server to cancel (this call then waits up to
    ``CANCEL_GRACE_S`` for the cancelled build's end, as an in-process build does)."""
    if identity.disabled() or not identity.supported():
        return None
    ident = identity.current(store_arg)
    if ident is None:
        return None
    outcome = Outcome()
    try:
        sock = _connect_or_start(ident, store_arg)
    except ServerUnavailable as exc:
        outcome.notes.append(f"the build server did not start ({exc}); building in this process")
        print(f"pixel: {outcome.notes[-1]}", file=sys.stderr)
        return None
    with sock:
        sock.sendall(wire.dump({
            "op": "build", "protocol": wire.PROTOCOL, "fingerprint": ident.fingerprint,
            "slug": request.slug, "run_tests": request.run_tests,
            "push_registry": request.push_registry, "no_cache": request.no_cache,
        }))
        return _follow(sock, on_event, on_cancelling, outcome)


def _follow(
    sock: socket.socket,
    on_event: Callable[[Event], None],
    on_cancelling: Callable[[int], None],
    outcome: Outcome,
) -> Outcome | None:
    reader = wire.LineReader(sock)
    build_id: int | None = None
    cancelled_at: float | None = None
    while True:
        try:
            message = reader.read()
        except KeyboardInterrupt:
            if cancelled_at is None and build_id is not None:
                cancelled_at = time.monotonic()
                on_cancelling(build_id)
                with contextlib.suppress(OSError):
                    sock.sendall(wire.dump({"op": "cancel"}))
                sock.settimeout(CANCEL_GRACE_S)
                continue
            raise
        except TimeoutError:
            message = None
        if message is None:
            if build_id is None:
                return None  # it closed before taking the build: nothing was queued
            outcome.error = (
                f"the build server stopped during build {build_id}; "
                f"`pixel builds show {build_id}` says how it ended"
            )
            outcome.exit_code = 1
            return outcome
        kind = message.get("type")
        if kind == "event":
            event = wire.decode_event(message)
            if event is not None:
                build_id = getattr(event, "build_id", build_id)
                on_event(event)
        elif kind == "done":
            outcome.result = dict(message.get("result") or {})
            return outcome
        elif kind == "error":
            outcome.error = str(message.get("message"))
            outcome.exit_code = int(message.get("exit_code") or 1)
            return outcome
        elif kind == "refused":
            return None


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A server of this data folder, as `pixel build-server status` shows it."""

    pid: int
    started_at: float
    current: bool  # same fingerprint as this process: it takes this process's builds
    answering: bool
    running: int = 0


def ask(socket_path: str, request: dict[str, Any], timeout: float = 5.0) -> dict[str, Any] | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(socket_path)
        sock.sendall(wire.dump(request))
        return wire.LineReader(sock).read()
    except (OSError, ValueError):
        return None
    finally:
        sock.close()


def servers(store_arg: str | None) -> list[ServerInfo]:
    """Every server of this data folder that left its info file, newest first."""
    if not identity.supported():
        return []
    mine = identity.current(store_arg)
    found = []
    for info in identity.known_servers(str(paths.home())):
        pong = ask(str(info.get("socket")), {"op": "ping"})
        found.append(ServerInfo(
            pid=int(str(info.get("pid", 0))),
            started_at=float(str(info.get("started_at", 0))),
            current=mine is not None and info.get("fingerprint") == mine.fingerprint,
            answering=pong is not None,
            running=int((pong or {}).get("running", 0)) + int((pong or {}).get("queued", 0)),
        ))
    return found


def stop_all() -> list[ServerInfo]:
    """Ask every server of this data folder to exit (each finishes its running builds
    first); what each said, as ServerInfo (``running``: builds it still finishes)."""
    stopped = []
    for info in identity.known_servers(str(paths.home())):
        said = ask(str(info.get("socket")), {"op": "stop"})
        if said is None:
            with contextlib.suppress(OSError):
                os.unlink(str(info["info_path"]))  # a server that died without cleaning up
            continue
        stopped.append(ServerInfo(
            pid=int(said.get("pid", 0)), started_at=float(str(info.get("started_at", 0))),
            current=False, answering=True, running=int(said.get("running", 0)),
        ))
    return stopped
