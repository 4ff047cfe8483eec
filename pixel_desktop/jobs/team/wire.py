"""Build events over Redis pub/sub: the worker publishes, every desktop (and the status
API) re-publishes them on its local ``EventBus``.

Why pub/sub and not a stream: live events are a view; the store is the durable copy (the
log lines, the status, the phases), so a follower that was away reads the store and then
listens. The channel carries JSON of the same event dataclasses (events.py), so subscribers
cannot tell a remote build from a local one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from pixel_desktop.events import (
    BuildFinished,
    Event,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)

log = logging.getLogger(__name__)

CHANNEL = "pixel:build-events"
RECONNECT_S = 1.0
_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (LogLine, PhaseChanged, StepProgress, MetricSample, BuildFinished)
}


def encode(event: Event) -> str | None:
    """JSON of a build event; None for events that do not travel (deploys stay local)."""
    name = type(event).__name__
    if name not in _TYPES:
        return None
    return json.dumps({"type": name, **dataclasses.asdict(event)})


def decode(text: str | bytes) -> Event | None:
    try:
        data = json.loads(text)
        cls = _TYPES[data.pop("type")]
        event: Event = cls(**data)
        return event
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed build event on %s", CHANNEL)
        return None


def redis_client(broker_url: str) -> Any:
    import redis

    return redis.Redis.from_url(broker_url, socket_connect_timeout=3, socket_timeout=10)


class RedisEventPublisher:
    """EventBus subscriber that forwards build events to Redis; a broker outage only costs
    the live view (the log writer still stores every line)."""

    def __init__(self, broker_url: str) -> None:
        self._redis = redis_client(broker_url)
        self._lock = threading.Lock()
        self._warned = False

    def __call__(self, event: Event) -> None:
        text = encode(event)
        if text is None:
            return
        try:
            with self._lock:
                self._redis.publish(CHANNEL, text)
            self._warned = False
        except Exception as exc:  # redis.ConnectionError and friends
            if not self._warned:
                log.warning("broker unreachable, live events dropped (the store keeps the log): %s", exc)
                self._warned = True

    def close(self) -> None:
        self._redis.close()


BrokerState = Callable[[str | None], None]
"""Called with a sentence when the broker becomes unreachable, with None when it is back."""


def subscribe_remote_events(
    broker_url: str,
    callback: Callable[[Event], None],
    *,
    on_state: BrokerState | None = None,
    ready_timeout: float = 5.0,
) -> Callable[[], None]:
    """Deliver every build event any worker publishes to ``callback`` (on a thread of its
    own) until the returned function is called. Reconnects after a broker restart, telling
    ``on_state``. Returns once subscribed (or after ``ready_timeout``), so events published
    after it returns are not missed while the broker is up."""
    stop = threading.Event()
    ready = threading.Event()

    def loop() -> None:
        down = False
        while not stop.is_set():
            client = redis_client(broker_url)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation
                ready.set()
                if down and on_state is not None:
                    on_state(None)
                down = False
                while not stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message and message.get("type") == "message":
                        event = decode(message["data"])
                        if event is not None:
                            callback(event)
                pubsub.close()
            except Exception as exc:  # redis.ConnectionError, TimeoutError
                ready.set()
                if not down and on_state is not None:
                    on_state(f"broker unreachable: {exc}")
                down = True
                stop.wait(RECONNECT_S)
            finally:
                client.close()

    thread = threading.Thread(target=loop, name="pixel-team-events", daemon=True)
    thread.start()
    ready.wait(ready_timeout)

    def unsubscribe() -> None:
        stop.set()
        thread.join(timeout=3)

    return unsubscribe
