"""The build server and `pixel build`'s client over a real Unix socket, with a fake App:
what reaches the printer, when the client may build in process instead (only before the
server accepted the build), and what Ctrl-C, a broken printer and a vanished peer do."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pixel_desktop.app.build_server import client, identity, wire
from pixel_desktop.app.build_server import server as server_mod
from pixel_desktop.app.build_server.server import BuildServer
from pixel_desktop.errors import NotFoundError
from pixel_desktop.events import BuildFinished, Event, EventBus, JobRef, LogLine, PhaseChanged


class FakeBuilds:
    """Builds that log two lines and finish, unless cancelled or told to hang."""

    def __init__(self, bus: EventBus, jobs: FakeJobs, *, hang: bool = False) -> None:
        self.bus, self.jobs, self.hang = bus, jobs, hang
        self.submitted: list[str] = []
        self.cancelled: list[int] = []
        self._ended: dict[int, threading.Event] = {}
        self._status: dict[int, str] = {}

    def submit(self, slug: str, **_: Any) -> JobRef:
        if slug == "missing":
            raise NotFoundError("No project 'missing'.")
        self.submitted.append(slug)
        job = JobRef("build", len(self.submitted))
        self._ended[job.id] = threading.Event()
        threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return job

    def _run(self, job: JobRef) -> None:
        self.bus.publish(PhaseChanged(job.id, "building"))
        self.bus.publish(LogLine(job.id, "Step 1/2 : FROM base"))
        deadline = time.monotonic() + (30 if self.hang else 0.2)
        while time.monotonic() < deadline and job.id not in self.cancelled:
            time.sleep(0.01)
        status = "cancelled" if job.id in self.cancelled else "completed"
        self._status[job.id] = status
        self._ended[job.id].set()
        self.bus.publish(BuildFinished(job.id, status, None, {"duration_s": 0.2}))

    def cancel_here(self, job: JobRef) -> bool:
        if self._ended[job.id].is_set() or job.id in self.cancelled:
            return False
        self.cancelled.append(job.id)
        return True

    @property
    def engine(self) -> FakeBuilds:
        """The runner the build went to (this fake is its own runner); starting it is seen."""
        self.jobs.started = self
        return self

    def active(self) -> list[JobRef]:
        return [JobRef("build", i) for i, ended in self._ended.items() if not ended.is_set()]

    def wait(self, job: JobRef, timeout: float | None = None) -> Any:
        self._ended[job.id].wait(timeout)
        return self.get(job.id)

    def get(self, build_id: int) -> Any:
        return SimpleNamespace(
            id=build_id, status=self._status[build_id], image_name="pixel/x:b1", image_id="sha256:1",
            size_bytes=1, pushed_ref=None, digest=None, phases={"building": 0.2},
            error_message=None if self._status[build_id] == "completed" else "Cancelled.",
            started_at=None, completed_at=None,
        )


class FakeJobs:
    """The App's jobs: which runner runs, and how often an idle server stopped it."""

    def __init__(self) -> None:
        self.started: FakeBuilds | None = None
        self.shutdowns = 0

    def shutdown(self, timeout: float = 0) -> None:
        self.started = None
        self.shutdowns += 1


class FakeApp:
    def __init__(self, *, hang: bool = False) -> None:
        self.bus = EventBus()
        self.jobs = FakeJobs()
        self.builds = FakeBuilds(self.bus, self.jobs, hang=hang)
        self.context = SimpleNamespace(store=object())
        self.closed = False

    def close(self, *, job_grace_s: float = 30.0) -> None:
        self.closed = True


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="pxr"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("PIXEL_BUILD_SERVER", "on")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Served:
    def __init__(self, app: FakeApp, idle_s: float = 60.0) -> None:
        ident = identity.current(None)
        assert ident is not None
        self.ident, self.app = ident, app
        self.server = BuildServer(ident, lambda: app, idle_s=idle_s)
        self.said: list[str] = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        assert self.ready.wait(10), self.said

    def _serve(self) -> None:
        self.code = self.server.serve(self._ready)

    def _ready(self, line: str) -> None:
        self.said.append(line)
        self.ready.set()

    def stop(self) -> None:
        client.stop_all()
        self.thread.join(10)


@pytest.fixture
def served(runtime: Path) -> Iterator[Served]:
    s = Served(FakeApp())
    try:
        yield s
    finally:
        s.stop()


def run_build(slug: str = "acme", on_event: Any = None) -> tuple[client.Outcome | None, list[Event], list[int]]:
    events: list[Event] = []
    cancelling: list[int] = []
    outcome = client.build(client.BuildRequest(slug), None, on_event or events.append, cancelling.append)
    return outcome, events, cancelling


def test_a_build_on_the_server_reaches_the_printer_in_order_with_its_result(served: Served) -> None:
    outcome, events, _ = run_build()
    assert served.said == ["ready"]
    assert outcome is not None and outcome.result is not None
    assert outcome.result["status"] == "completed" and outcome.result["build_id"] == 1
    assert [type(e).__name__ for e in events] == ["PhaseChanged", "LogLine", "BuildFinished"]
    assert served.app.builds.submitted == ["acme"]


def test_a_refused_submit_is_an_error_with_its_exit_code_and_no_build(served: Served) -> None:
    outcome, events, _ = run_build("missing")
    assert outcome is not None and outcome.result is None
    assert outcome.error == "No project 'missing'." and outcome.exit_code == 2
    assert events == [] and served.app.builds.submitted == []


def test_ctrl_c_asks_the_server_to_cancel_and_waits_for_the_cancelled_end(runtime: Path) -> None:
    served = Served(FakeApp(hang=True))
    try:
        seen: list[Event] = []

        def printer(event: Event) -> None:
            seen.append(event)
            if isinstance(event, LogLine):
                raise KeyboardInterrupt  # the user presses Ctrl-C while a line prints

        cancelling: list[int] = []
        outcome = client.build(client.BuildRequest("acme"), None, printer, cancelling.append)
        assert outcome is not None and outcome.result is not None
        assert outcome.result["status"] == "cancelled"
        assert cancelling == [1] and served.app.builds.cancelled == [1]
    finally:
        served.stop()


def test_a_second_stop_of_a_busy_server_says_it_is_already_stopping(runtime: Path) -> None:
    served = Served(FakeApp(hang=True))
    building = threading.Thread(target=run_build, daemon=True)
    building.start()
    try:
        deadline = time.monotonic() + 10
        while not served.app.builds.active() and time.monotonic() < deadline:
            time.sleep(0.01)
        [first] = client.stop_all()
        [second] = client.stop_all()
        assert (first.stopping, first.running) == (False, 1)
        assert (second.stopping, second.running) == (True, 1)
    finally:
        served.app.builds.cancelled.append(1)  # end the hanging build
        building.join(10)
        served.thread.join(10)
    assert not served.thread.is_alive()


def test_a_record_that_cannot_be_read_at_the_end_is_reported_not_a_hang(runtime: Path) -> None:
    app = FakeApp()

    def broken_get(build_id: int) -> Any:
        raise RuntimeError("database is locked")

    app.builds.get = broken_get  # type: ignore[method-assign]
    served = Served(app)
    try:
        outcome, _, _ = run_build()
        assert outcome is not None and outcome.result is None and outcome.exit_code == 1
        assert "build 1: RuntimeError: database is locked" in str(outcome.error)
    finally:
        served.stop()


def test_a_broken_printer_does_not_stop_the_build(served: Served) -> None:
    def printer(event: Event) -> None:
        raise BrokenPipeError  # `pixel build | head` after head exited

    outcome, _, _ = run_build(on_event=printer)
    assert outcome is not None and outcome.result is not None
    assert outcome.result["status"] == "completed" and served.app.builds.cancelled == []


def test_a_client_that_goes_away_cancels_its_build(runtime: Path) -> None:
    served = Served(FakeApp(hang=True))
    try:
        sock = client.connect(served.ident)
        sock.sendall(wire.dump({"op": "build", "protocol": wire.PROTOCOL, "fingerprint": served.ident.fingerprint, "slug": "acme"}))
        reader = wire.LineReader(sock)
        assert reader.read() == {"type": "accepted", "build_id": 1}
        sock.close()
        deadline = time.monotonic() + 5
        while served.app.builds.cancelled != [1] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert served.app.builds.cancelled == [1]
    finally:
        served.stop()


def _fake_server(ident: identity.Identity, answer: list[dict[str, Any]]) -> threading.Thread:
    """A peer that reads the request, says ``answer`` and hangs up."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(ident.socket_path))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            wire.LineReader(conn).read()
            for message in answer:
                conn.sendall(wire.dump(message))
        listener.close()
        ident.socket_path.unlink()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_a_server_that_hangs_up_before_accepting_means_build_here(runtime: Path) -> None:
    ident = identity.current(None)
    assert ident is not None
    _fake_server(ident, [])
    outcome, events, _ = run_build()
    assert outcome is None and events == []


def test_a_server_that_hangs_up_after_accepting_is_reported_never_built_again(runtime: Path) -> None:
    ident = identity.current(None)
    assert ident is not None
    _fake_server(ident, [{"type": "accepted", "build_id": 9}, wire.encode_event(LogLine(9, "Step 1/2")) or {}])
    outcome, events, _ = run_build()
    assert outcome is not None and outcome.result is None and outcome.exit_code == 1
    assert "stopped during build 9" in str(outcome.error) and len(events) == 1


def test_a_second_server_of_the_same_identity_defers_to_the_running_one(served: Served) -> None:
    other = Served(FakeApp())
    other.thread.join(5)
    assert other.said == ["ready"] and other.code == 0
    outcome, _, _ = run_build()
    assert outcome is not None and served.app.builds.submitted == ["acme"]
    assert other.app.builds.submitted == []


def test_an_idle_server_exits_and_cleans_up(runtime: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "RUNNER_IDLE_S", 0.0)
    served = Served(FakeApp(), idle_s=0.5)
    assert run_build()[0] is not None
    served.thread.join(10)
    assert served.app.jobs.shutdowns >= 1 and served.app.jobs.started is None
    assert not served.thread.is_alive() and served.app.closed
    assert not served.ident.socket_path.exists() and not served.ident.info_path.exists()


def test_an_idle_server_stops_its_runner_after_the_grace_and_starts_one_per_build(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle server holds no runner (no engine lease: other processes recover crashed
    builds); a build starts one again."""
    monkeypatch.setattr(server_mod, "RUNNER_IDLE_S", 0.3)
    served = Served(FakeApp())
    try:
        assert run_build()[0] is not None
        deadline = time.monotonic() + 5
        while served.app.jobs.started is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served.app.jobs.started is None and served.app.jobs.shutdowns == 1
        outcome = run_build()[0]
        assert outcome is not None and outcome.result is not None and outcome.result["build_id"] == 2
    finally:
        served.stop()


def test_a_lock_file_swept_before_it_was_locked_is_replaced_not_shared(runtime: Path) -> None:
    """Two servers of one identity must never both serve: a server that locked a lock file
    which was unlinked (swept) meanwhile takes the new file instead."""
    ident = identity.current(None)
    assert ident is not None
    server = BuildServer(ident, FakeApp)
    server._lock_fd = os.open(ident.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    ident.lock_path.unlink()  # swept between the open and the lock
    said: list[str] = []
    assert server._take_lock(server_mod._Said(said.append))
    assert said == [] and server._lock_is_current(server._lock_fd)
    server._release_lock()
