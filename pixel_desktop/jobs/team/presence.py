"""Workers announce themselves with an expiring key; the GUI lists who is online.

Why a key with a TTL and not Celery's inspect: ``inspect`` broadcasts and waits for every
worker's reply (a second per call, and nothing from a busy one); a key a worker refreshes
every few seconds is one read, and a SIGKILLed worker simply drops off when it expires.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pixel_desktop.jobs.team.celery_app import queue_keys

PREFIX = "pixel:worker:"
TTL_S = 15


@dataclass(frozen=True)
class WorkerInfo:
    name: str  # the Celery node name, shown as the build's runner host
    host: str
    docker_version: str | None  # None: its daemon is down (it takes no builds then)
    concurrency: int
    running: list[int] = field(default_factory=list)
    seen: float = 0.0


@dataclass(frozen=True)
class TeamStatus:
    workers: list[WorkerInfo]
    queue_depth: int  # builds waiting in the ``builds`` queue
    broker_error: str | None = None  # "broker unreachable: ..." when Redis did not answer


def announce(redis: Any, info: WorkerInfo) -> None:
    data = asdict(info) | {"seen": time.time()}
    redis.set(PREFIX + info.name, json.dumps(data), ex=TTL_S)


def withdraw(redis: Any, name: str) -> None:
    redis.delete(PREFIX + name)


def team_status(redis: Any) -> TeamStatus:
    try:
        workers = []
        for key in sorted(redis.scan_iter(match=PREFIX + "*")):
            raw = redis.get(key)
            if raw:
                workers.append(WorkerInfo(**json.loads(raw)))
        depth = sum(int(redis.llen(k)) for k in queue_keys())
    except Exception as exc:  # redis.ConnectionError
        return TeamStatus([], 0, f"broker unreachable: {exc}")
    return TeamStatus(workers, depth)
