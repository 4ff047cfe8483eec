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
import logging
import os
import queue
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pixel_desktop import paths
from pixel_desktop.app.build_server import identity, wire
from pixel_desktop.app.build_server.identity import Identity
from pixel_desktop.events import Event

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0  # first start may migrate the store; the server says when it is ready
CONNECT_RETRY_S = 10.0
CANCEL_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class BuildRequest:
    slug: str
    run_tests: bool = True
    push_registry: str | None = None
    no_cache: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a build the server took ended: ``result`` (the `--json` object) when it ran to
    an end, else ``error`` and ``exit_code`` (refused at submit, or the server went away)."""

    result: dict[str, Any] | None = None
    error: str | None = None
    exit_code: int = 0


class ServerUnavailable(Exception):
    """No server can take this build (the message says why, for --debug and the note)."""


class BadInputAtStart(Exception):
    """The server could not start because of the user's input (a missing store, a broken
    settings file): the in-process build says so itself, and a fixed input starts one."""


def _spawn_command(ident: Identity) -> list[str]:
    tail = ["build-server", "serve", "--fingerprint", ident.fingerprint]
    if getattr(sys, "frozen", False):
        return [sys.executable, *tail]  # the bundle's `pixel` executable
    # -P: the working folder is not put on sys.path (a jinja2.py in a project folder must
    # not be imported by the server); the installed `pixel` script never imports it either.
    return [sys.executable, "-P", "-m", "pixel_desktop.cli.main", *tail]


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


LOG_ROTATE_BYTES = 5 * 1024 * 1024


def _log_file() -> Path:
    log_path = paths.logs_dir() / "build-server.log"
    with contextlib.suppress(OSError):
        if log_path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(log_path, log_path.with_suffix(".log.1"))
    return paths.private_file(log_path)


def start(ident: Identity, store_arg: str | None) -> None:
    """Start a server for ``ident`` and wait until it accepts clients (ServerUnavailable with
    its own words when it cannot start). It runs in a session of its own, so closing the
    terminal does not stop it, and logs to ``<data folder>/logs/build-server.log``."""
    import subprocess  # only when starting one

    log_path = _log_file()
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        # Start the bundle as a top-level process, not as a child of this one: its
        # bootloader then sets up its own library path and leaves the user's environment
        # (LD_LIBRARY_PATH included) as this process found it, so the fingerprints agree.
        env["PYINSTALLER_RESET_ENVIRONMENT"] = "1"
    if store_arg:
        env["PIXEL_BUILD_SERVER_STORE"] = store_arg  # not on its command line: `ps` shows that
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(  # our own executable, arguments as a list
            _spawn_command(ident),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    assert proc.stdout is not None
    try:
        said = _read_line(proc.stdout, time.monotonic() + START_TIMEOUT_S)
    finally:
        proc.stdout.close()
    if said != "ready":
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            proc.wait(timeout=1)
        if said.startswith("input: "):
            raise BadInputAtStart(said.removeprefix("input: "))
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


def _connect_or_start(ident: Identity, store_arg: str | None) -> socket.socket | None:
    """A connection to the running server, else to one started now; None when a server of
    this identity failed to start within ``identity.FAILED_RETRY_S`` (it is not tried again
    per build: each try costs a whole start-up)."""
    try:
        return connect(ident)
    except (ConnectionError, FileNotFoundError):
        pass
    if _failed_recently(ident):
        return None
    start(ident, store_arg)
    try:
        return connect(ident, retry_s=CONNECT_RETRY_S)
    except (ConnectionError, FileNotFoundError) as exc:
        raise ServerUnavailable(f"it said it was ready but does not answer ({exc})") from None


def _failed_recently(ident: Identity) -> bool:
    try:
        return time.time() - ident.failed_path.stat().st_mtime < identity.FAILED_RETRY_S
    except OSError:
        return False


def _remember_failure(ident: Identity, reason: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(ident.failed_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(reason + "\n")


def build(
    request: BuildRequest,
    store_arg: str | None,
    on_event: Callable[[Event], None],
    on_cancelling: Callable[[int], None],
) -> Outcome | None:
    """Run ``request`` on the build server; None when it cannot (build in process instead).

    None is returned only while the server has not accepted the build, so a build never
    runs twice. ``on_event`` gets the build's events in order, from its first (an error it
    raises is ignored, as the event bus ignores a broken listener); ``on_cancelling(id)``
    is called once when Ctrl-C asks the server to cancel, and this call then waits up to
    ``CANCEL_GRACE_S`` for the cancelled build's end, as an in-process build does."""
    if identity.disabled() or not identity.supported():
        return None
    try:
        ident = identity.current(store_arg)
    except OSError:  # the working folder was deleted, ...
        return None
    if ident is None:
        return None
    try:
        sock = _connect_or_start(ident, store_arg)
    except BadInputAtStart:
        return None
    except ServerUnavailable as exc:
        _remember_failure(ident, str(exc))
        minutes = identity.FAILED_RETRY_S / 60
        print(
            f"pixel: the build server did not start ({exc}); building in this process "
            f"(builds here do so for {minutes:.0f} minutes; `pixel build-server stop` retries at once)",
            file=sys.stderr,
        )
        return None
    except OSError as exc:  # a deleted working folder, no room for the log, fork refused, ...
        log.debug("no build server: %s", exc)
        return None
    if sock is None:
        return None
    try:
        try:
            sock.sendall(wire.dump({
                "op": "build", "protocol": wire.PROTOCOL, "fingerprint": ident.fingerprint,
                "slug": request.slug, "run_tests": request.run_tests,
                "push_registry": request.push_registry, "no_cache": request.no_cache,
            }))
        except OSError:
            return None  # it went away before reading the request: nothing was queued
        return _follow(sock, on_event, on_cancelling)
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread; the server sees the end
        sock.close()


def _pump(sock: socket.socket, messages: queue.Queue[dict[str, Any] | None]) -> None:
    """Reads the server's lines on a thread of its own, so the main thread only waits
    (Ctrl-C then never lands inside a read or a half-parsed line)."""
    reader = wire.LineReader(sock)
    try:
        while True:
            message = reader.read()
            messages.put(message)
            if message is None:
                return
    except (OSError, ValueError):
        messages.put(None)


def _follow(
    sock: socket.socket,
    on_event: Callable[[Event], None],
    on_cancelling: Callable[[int], None],
) -> Outcome | None:
    messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=_pump, args=(sock, messages), name="build-server-reader", daemon=True).start()
    build_id: int | None = None
    cancel_deadline: float | None = None
    while True:
        try:
            if cancel_deadline is not None and time.monotonic() > cancel_deadline:
                return Outcome(
                    error=f"build {build_id} did not end within {CANCEL_GRACE_S:.0f} s of the cancel; "
                    f"`pixel builds show {build_id}` says how it ends",
                    exit_code=1,
                )
            try:
                message = messages.get(timeout=0.25)
            except queue.Empty:
                continue
            if message is None:
                if build_id is None:
                    return None  # closed before accepting: nothing was queued
                return Outcome(
                    error=f"the build server stopped during build {build_id}; "
                    f"`pixel builds show {build_id}` says how it ended",
                    exit_code=1,
                )
            kind = message.get("type")
            if kind == "accepted":
                build_id = int(message["build_id"])
            elif kind == "event":
                event = wire.decode_event(message)
                if event is not None:
                    # As EventBus: a broken printer (stdout closed) never stops the build.
                    with contextlib.suppress(Exception):
                        on_event(event)
            elif kind == "done":
                return Outcome(result=dict(message.get("result") or {}))
            elif kind == "error":
                return Outcome(error=str(message.get("message")), exit_code=int(message.get("exit_code") or 1))
            elif kind == "refused" and build_id is None:
                return None
        except KeyboardInterrupt:
            if build_id is None or cancel_deadline is not None:
                raise  # before the build exists, or a second Ctrl-C: stop waiting
            cancel_deadline = time.monotonic() + CANCEL_GRACE_S
            on_cancelling(build_id)
            with contextlib.suppress(OSError):
                sock.sendall(wire.dump({"op": "cancel"}))


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A server of this data folder, as `pixel build-server status` shows it."""

    pid: int
    started_at: float
    current: bool  # same fingerprint as this process: it takes this process's builds
    answering: bool
    running: int = 0
    stopping: bool = False


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
            running=int((pong or {}).get("running", 0)),
            stopping=bool((pong or {}).get("stopping", False)),
        ))
    return found


def failure_note(store_arg: str | None) -> tuple[str, float] | None:
    """(why, when) a server for this process's identity last failed to start, while that
    keeps `pixel build` from trying again; None otherwise."""
    ident = identity.current(store_arg)
    if ident is None or not _failed_recently(ident):
        return None
    try:
        return ident.failed_path.read_text(encoding="utf-8").strip(), ident.failed_path.stat().st_mtime
    except OSError:
        return None


def stop_all(store_arg: str | None = None) -> list[ServerInfo]:
    """Ask every server of this data folder to exit (each finishes its running builds
    first), and forget a failed start of this process's identity (the next `pixel build`
    tries again); what each said, as ServerInfo (``running``: builds it still finishes;
    ``stopping``: it had been asked before)."""
    ident = identity.current(store_arg) if identity.supported() else None
    if ident is not None:
        with contextlib.suppress(OSError):
            ident.failed_path.unlink()
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
            stopping=bool(said.get("already", False)),
        ))
    return stopped
