"""Sending one attempt of a build to the ``builds`` queue.

Why the options are kept in Redis next to the queue: a retry after a dead worker must
build with the same options (tests, push registry, cache) and the store has no columns for
a request; they are small, and kept for a week.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pixel_desktop.errors import PixelError
from pixel_desktop.jobs.team.celery_app import QUEUE, TASK, task_id

if TYPE_CHECKING:
    from celery import Celery

OPTIONS_KEY = "pixel:build-options:{}"
OPTIONS_TTL_S = 7 * 24 * 3600


class BrokerUnreachableError(PixelError):
    """The Redis broker did not answer; nothing was queued."""


@dataclass(frozen=True)
class BuildOptions:
    run_tests: bool = True
    push_registry: str | None = None
    no_cache: bool = False


def send_build(celery: Celery, redis: Any, build_id: int, attempt: int, options: BuildOptions) -> None:
    """Queue attempt ``attempt`` of ``build_id``; BrokerUnreachableError when Redis is down."""
    try:
        redis.set(OPTIONS_KEY.format(build_id), json.dumps(asdict(options)), ex=OPTIONS_TTL_S)
        celery.send_task(
            TASK,
            args=[build_id, attempt, options.run_tests, options.push_registry, options.no_cache],
            queue=QUEUE,
            task_id=task_id(build_id, attempt),
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.5, "interval_step": 0.5},
        )
    except Exception as exc:  # redis.ConnectionError, kombu OperationalError
        raise BrokerUnreachableError(
            f"broker unreachable: build {build_id} could not be queued ({exc})."
        ) from exc


def recall_options(redis: Any, build_id: int) -> BuildOptions | None:
    raw = redis.get(OPTIONS_KEY.format(build_id))
    if raw is None:
        return None
    try:
        return BuildOptions(**json.loads(raw))
    except (ValueError, TypeError):
        return None
