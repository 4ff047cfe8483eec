"""Workers online and the queue depth come from keys workers refresh and the queue's Redis
lists; an unreachable broker is reported as such, not raised."""

from __future__ import annotations

import fnmatch
from typing import Any

from pixel_desktop.jobs.team.celery_app import QUEUE, queue_keys
from pixel_desktop.jobs.team.presence import WorkerInfo, announce, team_status, withdraw


class FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def set(self, key: str, value: str, ex: int | None = None) -> None:
        self.data[key] = value

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def delete(self, key: str) -> None:
        self.data.pop(key, None)

    def scan_iter(self, match: str) -> list[str]:
        return [k for k in self.data if fnmatch.fnmatch(k, match)]

    def llen(self, key: str) -> int:
        value = self.data.get(key)
        return len(value) if isinstance(value, list) else 0


def test_announced_workers_are_listed_with_their_builds_and_the_queue_depth() -> None:
    redis = FakeRedis()
    announce(redis, WorkerInfo("a@h1", "h1", "27.0", 2, [5]))
    announce(redis, WorkerInfo("b@h2", "h2", None, 1, []))
    redis.data[QUEUE] = ["m1", "m2"]
    redis.data[queue_keys()[1]] = ["m3"]
    status = team_status(redis)
    assert [(w.name, w.docker_version, w.running) for w in status.workers] == [
        ("a@h1", "27.0", [5]),
        ("b@h2", None, []),
    ]
    assert status.queue_depth == 3 and status.broker_error is None
    withdraw(redis, "a@h1")
    assert [w.name for w in team_status(redis).workers] == ["b@h2"]


def test_an_unreachable_broker_is_reported_not_raised() -> None:
    class Down(FakeRedis):
        def scan_iter(self, match: str) -> list[str]:
            raise ConnectionError("Connection refused")

    status = team_status(Down())
    assert status.workers == [] and status.queue_depth == 0
    assert (status.broker_error or "").startswith("broker unreachable")
