"""The one Celery configuration shared by submitters and workers.

As in the original architecture: one ``builds`` queue, ``worker_prefetch_multiplier = 1``
(a worker holds only the build it runs, so a second worker takes the next one) and
``task_acks_late = True`` (a message is acknowledged when the build ends, so a worker that
dies does not lose it). Redis redelivers an unacknowledged message only after the
visibility timeout; we do not rely on that for a dead worker (its lease in the store runs
out within seconds and ``sweep`` retries the build), so the timeout is set above the
longest build: a healthy long build is then not handed to a second worker while it runs
(and if it were, the claim in the store refuses the duplicate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from celery import Celery

QUEUE = "builds"
TASK = "pixel.build"
VISIBILITY_TIMEOUT_S = 6 * 3600
# kombu's Redis transport keeps priority levels in separate lists next to the queue's.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


def task_id(build_id: int, attempt: int) -> str:
    """The Celery task id of one attempt of a build (what revoke names)."""
    return f"pixel-build-{build_id}-a{attempt}"


def queue_keys() -> list[str]:
    """The Redis lists that hold the ``builds`` queue's messages."""
    return [QUEUE, *(f"{QUEUE}{PRIORITY_SEPARATOR}{p}" for p in PRIORITY_STEPS if p)]


def make_celery(broker_url: str) -> Celery:
    from celery import Celery

    app = Celery("pixel", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_routes={TASK: {"queue": QUEUE}},
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT_S,
            "socket_connect_timeout": 3,
            "socket_timeout": 10,
        },
        broker_connection_timeout=3,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app
