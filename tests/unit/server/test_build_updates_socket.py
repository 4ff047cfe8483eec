"""The WebSocket /builds/{id}/updates: refused without the token, the build's events in order
from its first one (queued) through its end, whether the client comes early, late, after the
end, or follows a build this process does not run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_fakes import SLUG, TOKEN, FakeRunner, fake_app
from starlette.websockets import WebSocketDisconnect

from pixel_desktop.app import App
from pixel_desktop.events import LogLine
from pixel_desktop.server import create_app

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, App, list[FakeRunner]]]:
    app, runners = fake_app(tmp_path)
    try:
        with TestClient(create_app(app, TOKEN, poll_s=0.05)) as client:
            yield client, app, runners
    finally:
        app.close()


def _trigger(client: TestClient) -> int:
    return client.post(f"/builds/trigger/{SLUG}", headers=AUTH).json()["id"]


def _receive_all(socket) -> list[dict]:
    messages = []
    while True:
        message = socket.receive_json()
        messages.append(message)
        if message["type"] in ("finished", "error"):
            return messages


@pytest.mark.parametrize("token", [None, "wrong"])
def test_the_socket_is_refused_without_the_right_token(served, token: str | None) -> None:
    client, _, _ = served
    build_id = _trigger(client)
    url = f"/builds/{build_id}/updates" + (f"?token={token}" if token else "")
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url):
        pass
    assert refused.value.code == 1008


def test_the_socket_takes_the_token_in_the_authorization_header(served) -> None:
    client, _, runners = served
    build_id = _trigger(client)
    runners[0].finish(build_id, "completed", ts=1.0)
    with client.websocket_connect(f"/builds/{build_id}/updates", headers=AUTH) as socket:
        assert _receive_all(socket)[-1]["type"] == "finished"


def test_an_unknown_build_is_an_error_message_then_close(served) -> None:
    client, _, _ = served
    with client.websocket_connect(f"/builds/4242/updates?token={TOKEN}") as socket:
        message = socket.receive_json()
        assert message["type"] == "error"
        assert message["status"] == 404
        assert "4242" in message["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 4404


def test_a_client_that_comes_after_the_build_started_gets_every_event_from_queued_on(served) -> None:
    client, _, runners = served
    build_id = _trigger(client)
    runners[0].run(build_id, ts=10.0)
    with client.websocket_connect(f"/builds/{build_id}/updates?token={TOKEN}") as socket:
        first = [socket.receive_json() for _ in range(4)]  # replayed: queued, log, building, log
        runners[0].finish(build_id, "completed", ts=20.0)  # live from here
        rest = _receive_all(socket)
    messages = first + rest
    assert [m["type"] for m in messages] == ["phase", "log", "phase", "log", "phase", "finished"]
    assert [m["phase"] for m in messages if m["type"] == "phase"] == ["queued", "building", "completed"]
    assert messages[-1] == {
        "type": "finished",
        "build_id": build_id,
        "status": "completed",
        "error": None,
        "result": {},
        "ts": 20.0,
    }
    assert all(m["build_id"] == build_id for m in messages)


def test_events_published_from_a_worker_thread_arrive_live_and_in_order(served) -> None:
    client, _, runners = served
    build_id = _trigger(client)
    with client.websocket_connect(f"/builds/{build_id}/updates?token={TOKEN}") as socket:
        assert socket.receive_json()["phase"] == "queued"

        def work() -> None:
            runners[0].run(build_id, ts=1.0)
            for i in range(50):
                runners[0].bus.publish(LogLine(build_id, f"n{i}"))
            runners[0].finish(build_id, "failed", ts=2.0)

        worker = threading.Thread(target=work)
        worker.start()
        messages = _receive_all(socket)
        worker.join()
    numbered = [m["text"] for m in messages if m["type"] == "log" and m["text"].startswith("n")]
    assert numbered == [f"n{i}" for i in range(50)]
    assert messages[-1]["status"] == "failed"


def test_a_finished_build_off_the_bus_sends_its_stored_log_then_a_final_message(served) -> None:
    client, app, _ = served
    store = app.context.store
    record = store.builds.create(store.projects.get(SLUG).id)  # not through this runner
    store.builds.append_log(record.id, ["first", "second"])
    store.builds.set_status(record.id, "failed", error_message="boom")
    with client.websocket_connect(f"/builds/{record.id}/updates?token={TOKEN}") as socket:
        messages = _receive_all(socket)
    assert [m["text"] for m in messages if m["type"] == "log"] == ["first", "second"]
    assert messages[-1]["type"] == "finished"
    assert messages[-1]["status"] == "failed"
    assert messages[-1]["error"] == "boom"


def test_a_build_running_in_another_process_is_followed_through_the_store(served) -> None:
    client, app, _ = served
    store = app.context.store
    record = store.builds.create(store.projects.get(SLUG).id)
    store.builds.set_status(record.id, "building")
    store.builds.append_log(record.id, ["early"])
    with client.websocket_connect(f"/builds/{record.id}/updates?token={TOKEN}") as socket:
        assert socket.receive_json()["text"] == "early"
        assert socket.receive_json() == {"type": "phase", "build_id": record.id, "phase": "building"}
        store.builds.append_log(record.id, ["late"])
        store.builds.set_status(record.id, "completed")
        messages = _receive_all(socket)
    assert [m["text"] for m in messages if m["type"] == "log"] == ["late"]
    assert messages[-1]["status"] == "completed"


def test_a_client_that_leaves_before_the_end_is_unsubscribed_from_the_bus(served) -> None:
    client, app, runners = served
    build_id = _trigger(client)
    baseline = len(app.bus._subscribers)
    with client.websocket_connect(f"/builds/{build_id}/updates?token={TOKEN}") as socket:
        assert socket.receive_json()["phase"] == "queued"
        assert len(app.bus._subscribers) == baseline + 1
    deadline = time.monotonic() + 5
    while len(app.bus._subscribers) != baseline and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(app.bus._subscribers) == baseline
    runners[0].finish(build_id, "completed", ts=1.0)  # nobody left to send to: no error
