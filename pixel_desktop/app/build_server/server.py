"""The build server: a `pixel` process that stays up between builds and runs them for
`pixel build` over a private Unix socket.

Why it exists: a warm `docker build` takes a few tenths of a second, while starting Python
with pydantic, SQLAlchemy, docker-py and Jinja took about a second before the first build
step. The server pays that once; a `pixel build` that finds one imports almost nothing,
hands over the build and prints the same events an in-process build prints. The first
`pixel build` starts it (``client.py``); it exits after ``identity.idle_seconds()`` with no
build and no client, when its data folder or socket disappears, on SIGTERM, or on
`pixel build-server stop`.

The build runs on this process's job runner exactly as in `pixel build` itself (same App,
same records, logs and cancel requests), so `pixel builds cancel N` from another terminal
and the desktop app's Cancel reach it the usual way. A client that goes away (Ctrl-C
pressed twice, a killed terminal) cancels its build, as a killed `pixel build` always did.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import queue
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pixel_desktop import __version__, paths
from pixel_desktop.app.build_server import wire
from pixel_desktop.app.build_server.identity import Identity, idle_seconds
from pixel_desktop.errors import PixelError
from pixel_desktop.events import BuildFinished, Event, JobRef

if TYPE_CHECKING:
    from pixel_desktop.app import App

log = logging.getLogger(__name__)

ACCEPT_POLL_S = 0.5
REQUEST_TIMEOUT_S = 10.0
RESULT_GRACE_S = 60.0
LOCK_WAIT_S = 110.0  # under the client's START_TIMEOUT_S: a migrating holder gets time
RUNNER_IDLE_S = 30.0  # an edit-build loop keeps its runner (and Docker connection)


class _Said:
    """Says one line to the `pixel build` that started this server, once; a client that
    gave up (Ctrl-C, its timeout) is no reason not to serve the next one."""

    def __init__(self, ready: Callable[[str], None]) -> None:
        self._ready = ready
        self.line: str | None = None

    def __call__(self, line: str) -> None:
        if self.line is not None:
            return
        self.line = line
        try:
            self._ready(line)
        except OSError:
            log.info("the starting `pixel build` is gone; serving anyway")


def _peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid (Linux); None where the OS does not say (the socket's
    0700 folder is then the only guard)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    raw = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return int(struct.unpack("3i", raw)[1])


class BuildServer:
    """Serves one identity (fingerprint) until idle; ``app_factory`` makes its App."""

    def __init__(self, ident: Identity, app_factory: Callable[[], App], *, idle_s: float | None = None) -> None:
        self.ident = ident
        self._app_factory = app_factory
        self._idle_s = idle_seconds() if idle_s is None else idle_s
        self._app_or_none: App | None = None
        self._lock = threading.Lock()
        self._clients = 0
        self._last_activity = time.monotonic()
        self._stop = threading.Event()
        self._stop_now = False
        self._started_at = time.time()
        self._sock: socket.socket | None = None
        self._socket_inode: int | None = None
        self._lock_fd: int | None = None

    @property
    def _app(self) -> App:
        """The App, made at start (every use comes after it)."""
        assert self._app_or_none is not None
        return self._app_or_none

    # ------------------------------------------------------------------ lifecycle
    def serve(self, ready: Callable[[str], None]) -> int:
        """Listen until idle or stopped. ``ready`` gets "ready" once a client may connect
        (or another server of this identity answers), else "error: <why>"."""
        said = _Said(ready)
        self._lock_fd = os.open(self.ident.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not self._take_lock(said):
                return 0 if said.line == "ready" else 1
            try:
                self._app_or_none = self._app_factory()
                self._warm_up()
                self._listen()
            except PixelError as exc:
                # Bad input (a store that does not exist, an invalid settings file): the
                # `pixel build` that started us says it itself, in its own process.
                said(f"input: {exc}")
                return exc.exit_code
            except Exception as exc:  # said to the client, which builds in process
                log.exception("the build server could not start")
                said(f"error: {exc.__class__.__name__}: {exc}")
                return 1
            self._write_info()
            if threading.current_thread() is threading.main_thread():  # tests serve on a thread
                signal.signal(signal.SIGTERM, self._on_sigterm)
            said("ready")
            self._retire_others()
            try:
                self._accept_loop()
            finally:
                self._close()
            return 0
        finally:
            self._release_lock()

    def _take_lock(self, said: _Said) -> bool:
        """Hold this identity's lock (True), or find the server that holds it answering
        ("ready", False). The holder may still be warming up (a store migration) or
        closing; wait for either until ``LOCK_WAIT_S``."""
        deadline = time.monotonic() + LOCK_WAIT_S
        lock_fd = self._lock_fd
        assert lock_fd is not None
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if self._lock_is_current(lock_fd):
                    return True
                # The file was swept between our open and our lock: take the new one.
                os.close(lock_fd)
                lock_fd = self._lock_fd = os.open(self.ident.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                continue
            except BlockingIOError:
                pass
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(self.ident.socket_path))
                said("ready")
                return False
            except OSError:
                pass
            finally:
                probe.close()
            if time.monotonic() >= deadline:
                said(f"error: another build server holds {self.ident.lock_path.name} but does not answer")
                return False
            time.sleep(0.1)

    def _lock_is_current(self, fd: int) -> bool:
        try:
            return os.fstat(fd).st_ino == os.stat(self.ident.lock_path).st_ino
        except OSError:
            return False

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def _warm_up(self) -> None:
        """Open the store and import the build path now, not on the first request (the
        first `pixel build` waits for "ready" either way). The job runner itself starts per
        build and stops after ``RUNNER_IDLE_S`` with nothing to do: a runner holds an engine
        lease, and an idle server must not keep other processes from recovering crashed
        builds."""
        self._app.context.store  # noqa: B018 - opens (and migrates) the store
        import importlib

        # Jinja with the templates' helpers; the runner with the pipeline and Docker client.
        for module in ("pixel_desktop.codegen", "pixel_desktop.jobs.local"):
            importlib.import_module(module)

    def _listen(self) -> None:
        path = self.ident.socket_path
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a dead server's socket: we hold the identity's lock
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            sock.bind(str(path))
        finally:
            os.umask(old_umask)
        sock.listen(16)
        sock.settimeout(ACCEPT_POLL_S)
        self._sock = sock
        self._socket_inode = os.stat(path).st_ino

    def _write_info(self) -> None:
        info = {
            "pid": os.getpid(),
            "home": self.ident.home,
            "fingerprint": self.ident.fingerprint,
            "socket": str(self.ident.socket_path),
            "version": __version__,
            "started_at": self._started_at,
        }
        tmp = self.ident.info_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(info, handle)
        os.replace(tmp, self.ident.info_path)

    def _retire_others(self) -> None:
        """Ask this data folder's other servers (older settings, code or environment) to
        exit if idle; a busy one finishes and then idles out as usual."""
        from pixel_desktop.app.build_server.client import ask
        from pixel_desktop.app.build_server.identity import known_servers

        for info in known_servers(self.ident.home):
            if info.get("fingerprint") != self.ident.fingerprint:
                said = ask(str(info.get("socket")), {"op": "retire"})
                log.info("asked build server %s to retire: %s", info.get("pid"), (said or {}).get("type", "no answer"))
        self._sweep_leftovers()

    def _sweep_leftovers(self) -> None:
        """Remove other identities' lock files that no server holds (one per fingerprint
        ever used would pile up) and failure notes past their retry time."""
        from pixel_desktop.app.build_server.identity import FAILED_RETRY_S

        now = time.time()
        for path in self.ident.folder.glob("bs-*.failed"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > FAILED_RETRY_S:
                    path.unlink()
        for path in self.ident.folder.glob("bs-*.lock"):
            if path == self.ident.lock_path or path.with_suffix(".json").exists():
                continue
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime < 60:
                    continue  # a server may be starting on it right now
                fd = os.open(path, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    path.unlink()
                finally:
                    os.close(fd)

    def _on_sigterm(self, _signum: int, _frame: object) -> None:
        self._stop_now = True
        self._stop.set()

    def _close(self) -> None:
        """Stop listening and hand the identity over (socket, info file, lock) before the
        App closes, so a new server can start while this one finishes closing."""
        if self._sock is not None:
            self._sock.close()
        with contextlib.suppress(OSError):
            if os.stat(self.ident.socket_path).st_ino == self._socket_inode:  # not a successor's
                self.ident.socket_path.unlink()
        with contextlib.suppress(OSError, ValueError):
            if json.loads(self.ident.info_path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                self.ident.info_path.unlink()
        self._release_lock()
        if self._app_or_none is not None:
            self._app_or_none.close(job_grace_s=RESULT_GRACE_S)

    # ------------------------------------------------------------------ accept loop
    def _jobs_active(self) -> int:
        """Queued and running jobs of this server's runner (in memory: no store query)."""
        runner = self._app.jobs.started
        return len(runner.active()) if runner is not None else 0

    def _busy(self) -> bool:
        with self._lock:
            if self._clients:
                return True
        if self._jobs_active():
            return True
        idle_for = time.monotonic() - self._last_activity
        if self._app.jobs.started is not None and idle_for >= RUNNER_IDLE_S:
            # Idle: release the engine lease (other processes then recover crashed builds
            # as usual) and the Docker connection; the next build starts a new runner.
            self._app.jobs.shutdown(timeout=RESULT_GRACE_S)
        return False

    def _should_exit(self) -> str | None:
        if self._stop_now:
            return "stopped (SIGTERM)"
        busy = self._busy()
        if busy:
            self._last_activity = time.monotonic()
            return None
        if self._stop.is_set():
            return "stopped on request"
        if time.monotonic() - self._last_activity >= self._idle_s:
            return f"idle for {self._idle_s:.0f} s"
        if not os.path.isdir(self.ident.home):
            return "its data folder is gone"
        try:
            if os.stat(self.ident.socket_path).st_ino != self._socket_inode:
                return "its socket was replaced"
        except OSError:
            return "its socket was removed"
        return None

    def _accept_loop(self) -> None:
        assert self._sock is not None
        log.info("build server %s serving %s (pid %d)", self.ident.fingerprint, self.ident.home, os.getpid())
        while True:
            reason = self._should_exit()
            if reason:
                log.info("build server exiting: %s", reason)
                return
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    continue
                raise
            with self._lock:
                self._clients += 1
                self._last_activity = time.monotonic()
            threading.Thread(target=self._serve_client, args=(conn,), name="build-server-client", daemon=True).start()

    # ------------------------------------------------------------------ one client
    def _serve_client(self, conn: socket.socket) -> None:
        try:
            with conn:
                uid = _peer_uid(conn)
                if uid is not None and uid != os.geteuid():
                    log.warning("refused a client of uid %d", uid)
                    return
                conn.settimeout(REQUEST_TIMEOUT_S)
                reader = wire.LineReader(conn)
                request = reader.read()
                if request is None:
                    return
                conn.settimeout(None)
                self._answer(conn, reader, request)
                # Shut down before close: a thread blocked reading this socket (the cancel
                # watcher) would otherwise keep the client from ever seeing the end.
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError) as exc:
            log.info("a client connection ended: %s", exc)
        finally:
            with self._lock:
                self._clients -= 1
                self._last_activity = time.monotonic()

    def _answer(self, conn: socket.socket, reader: wire.LineReader, request: dict[str, Any]) -> None:
        op = request.get("op")
        if op == "ping":
            conn.sendall(wire.dump({
                "type": "pong", "pid": os.getpid(), "fingerprint": self.ident.fingerprint,
                "started_at": self._started_at, "running": self._jobs_active(), "idle_s": self._idle_s,
                "stopping": self._stop.is_set(),
            }))
        elif op == "stop":
            already = self._stop.is_set()
            self._stop.set()
            conn.sendall(wire.dump({
                "type": "stopping", "pid": os.getpid(), "running": self._jobs_active(), "already": already,
            }))
        elif op == "retire":
            # A newer server of this data folder took over: one server per data folder, not
            # one per edit of the settings or code.
            # A busy one takes no new build and exits when its running builds end.
            with self._lock:
                others = self._clients - 1
            idle = not (self._jobs_active() or others)
            self._stop.set()
            conn.sendall(wire.dump({"type": "retiring" if idle else "retiring after its builds", "pid": os.getpid()}))
        elif op == "build":
            if request.get("fingerprint") != self.ident.fingerprint or request.get("protocol") != wire.PROTOCOL:
                conn.sendall(wire.dump({"type": "refused", "reason": "another identity"}))
            elif self._stop.is_set():
                conn.sendall(wire.dump({"type": "refused", "reason": "stopping"}))
            else:
                self._build(conn, reader, request)
        else:
            conn.sendall(wire.dump({"type": "error", "message": f"unknown request {op!r}", "exit_code": 2}))

    def _build(self, conn: socket.socket, reader: wire.LineReader, request: dict[str, Any]) -> None:
        app = self._app
        try:
            job = app.builds.submit(
                str(request.get("slug")),
                run_tests=bool(request.get("run_tests", True)),
                push_registry=request.get("push_registry"),
                no_cache=bool(request.get("no_cache", False)),
            )
        except PixelError as exc:
            log.info("build of %s refused: %s", request.get("slug"), exc)
            conn.sendall(wire.dump({"type": "error", "message": str(exc), "exit_code": exc.exit_code}))
            return
        except Exception as exc:
            log.exception("submitting a build failed")
            conn.sendall(wire.dump({
                "type": "error", "exit_code": 1,
                "message": f"unexpected error: {exc.__class__.__name__}: {exc} (see {paths.logs_dir() / 'build-server.log'})",
            }))
            return
        log.info("build %d of %s: accepted for a client", job.id, request.get("slug"))
        outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        finished: dict[str, Any] = {}

        def on_event(event: Event) -> None:
            message = wire.encode_event(event)
            if message is not None:
                outbox.put(message)
            if isinstance(event, BuildFinished):
                finished.update(event.result)
                outbox.put({"type": "_finished"})

        runner = app.builds.engine
        try:
            # From here on the build exists: the client reports it, never builds it again.
            conn.sendall(wire.dump({"type": "accepted", "build_id": job.id}))
        except OSError:
            app.builds.cancel_here(job)
            return
        unsubscribe = app.bus.subscribe_job(job, on_event)
        threading.Thread(
            target=self._watch_client, args=(reader, job), name="build-server-cancel", daemon=True
        ).start()
        try:
            while True:
                message = outbox.get()
                if message["type"] == "_finished":
                    break
                conn.sendall(wire.dump(message))
            from pixel_desktop.app.builds import build_result

            # The runner that has the job, never a new one (Builds.wait would start one in
            # an App that is closing on SIGTERM).
            runner.wait(job, timeout=RESULT_GRACE_S)
            record = app.builds.get(job.id)
            log.info("build %d of %s: %s", job.id, request.get("slug"), record.status)
            conn.sendall(wire.dump({"type": "done", "result": build_result(record, finished)}))
        except (BrokenPipeError, ConnectionError):
            app.builds.cancel_here(job)  # the client went away: as a killed `pixel build`
        except Exception as exc:  # the client must hear how it ended
            log.exception("build %d: reporting its end failed", job.id)
            with contextlib.suppress(OSError):
                conn.sendall(wire.dump({
                    "type": "error", "exit_code": 1,
                    "message": f"build {job.id}: {exc.__class__.__name__}: {exc} "
                    f"(`pixel builds show {job.id}` says how it ended)",
                }))
        finally:
            unsubscribe()

    def _watch_client(self, reader: wire.LineReader, job: JobRef) -> None:
        """Cancel the build when the client asks (Ctrl-C) or disappears before it ended."""
        try:
            while True:
                message = reader.read()
                if message is None:
                    break
                if message.get("op") == "cancel":
                    self._app.builds.cancel_here(job)
        except (OSError, ValueError):
            pass
        if self._app.builds.cancel_here(job):
            log.info("build %d cancelled: its client went away", job.id)


def serve(store_arg: str | None, expected_fingerprint: str) -> int:
    """`pixel build-server serve`: run the server for this process's identity. The first
    line on stdout is "ready" or "error: <why>" (read by the `pixel build` that started
    it); stdout is then closed, and the log goes to stderr (the build-server log file)."""
    import sys

    from pixel_desktop.app import App
    from pixel_desktop.app.build_server import identity

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s", force=True
    )
    for noisy in ("alembic", "httpx"):  # a line per migration check, per test request
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The store URL comes through the environment, not the command line (`ps` shows that
    # to every user, and a URL may hold a password); it is not part of the environment's
    # fingerprint (identity.VOLATILE_ENV) but the store argument's.
    store_arg = os.environ.pop("PIXEL_BUILD_SERVER_STORE", None) or store_arg

    def ready(line: str) -> None:
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        finally:  # even when the starting client is gone: stdout is never used again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
            sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process's life

    ident = identity.current(store_arg)
    if ident is None:
        ready("error: no private runtime folder for its socket")
        return 1
    if ident.fingerprint != expected_fingerprint:
        # The spawning `pixel build` sees another environment than this process: building
        # here would not be building as it would; it builds in its own process instead.
        ready("error: its environment differs from the `pixel build` that started it")
        return 1
    return BuildServer(ident, lambda: App(store_url=store_arg)).serve(ready)
