"""The WebSocket stream of one build's events, whichever way the build can be followed.

Three cases, chosen when the client connects:
- the build's events are on this App's bus (it runs, or ran recently, in this process's
  runner, or the team runner relays it here): ``subscribe_job`` replays from its first
  event, then live ones, until ``finished``;
- the build already ended: its stored log, then one ``finished`` message;
- the build runs somewhere this bus does not hear (another process): the store is polled,
  new log lines and status changes are sent until it ends.
Every message is a JSON object with a ``type`` (see ``events_json``); the last one of a
build is ``{"type": "finished", ...}``, then the server closes the socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from pixel_desktop.app import App
from pixel_desktop.events import BuildFinished, Event, JobRef
from pixel_desktop.kinds import TERMINAL_BUILD_STATUSES
from pixel_desktop.server.events_json import event_json

Send = Callable[[dict[str, Any]], Awaitable[None]]


async def stream_build(app: App, websocket: WebSocket, build_id: int, *, poll_s: float) -> None:
    """Send the build's events until its end or the client's disconnect (whichever first;
    the other side is cancelled through one anyio task group, as Starlette expects)."""

    async def send(message: dict[str, Any]) -> None:
        await websocket.send_json(message)

    async with anyio.create_task_group() as group:

        async def watch_disconnect() -> None:
            await _until_disconnect(websocket)
            group.cancel_scope.cancel()

        group.start_soon(watch_disconnect)
        await _stream(app, build_id, send, poll_s)
        group.cancel_scope.cancel()


async def _until_disconnect(websocket: WebSocket) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return


async def _stream(app: App, build_id: int, send: Send, poll_s: float) -> None:
    ref = JobRef("build", build_id)
    if app.bus.history(ref):
        await _follow_bus(app, ref, send)
    else:
        await _follow_store(app, build_id, send, poll_s)


async def _follow_bus(app: App, ref: JobRef, send: Send) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event] = asyncio.Queue()

    def on_event(event: Event) -> None:  # on the publishing thread (or this one, for the replay)
        loop.call_soon_threadsafe(queue.put_nowait, event)

    unsubscribe = app.bus.subscribe_job(ref, on_event)
    try:
        while True:
            event = await queue.get()
            await send(event_json(event))
            if isinstance(event, BuildFinished):
                return
    finally:
        unsubscribe()


async def _follow_store(app: App, build_id: int, send: Send, poll_s: float) -> None:
    sent_lines = 0
    last_status: str | None = None
    while True:
        record = await run_in_threadpool(app.builds.get, build_id)
        ended = record.status in TERMINAL_BUILD_STATUSES
        if ended and last_status is not None:
            # Seen running, now ended: the runner's last log batch may land just after the
            # status (its log writer flushes after the pipeline returns).
            await asyncio.sleep(poll_s)
        lines = await run_in_threadpool(app.builds.log, build_id)
        for text in lines[sent_lines:]:
            await send({"type": "log", "build_id": build_id, "text": text, "source": "store"})
        sent_lines = max(sent_lines, len(lines))
        if ended:
            ended_at = record.completed_at or record.created_at
            await send(
                {
                    "type": "finished",
                    "build_id": build_id,
                    "status": record.status,
                    "error": record.error_message,
                    "result": {},
                    "ts": ended_at.timestamp(),
                    "stored": True,
                }
            )
            return
        if record.status != last_status:
            await send({"type": "phase", "build_id": build_id, "phase": record.status})
            last_status = record.status
        await asyncio.sleep(poll_s)
