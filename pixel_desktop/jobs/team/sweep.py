"""Builds whose worker died: retried as a new attempt, or ended ``interrupted``.

Why anyone may sweep: the worker that died cannot report it, and the team may have only one
worker; so every worker and every submitting desktop runs this every few seconds. The
store's conditional updates make sure only one of them handles each expired lease.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pixel_desktop.events import BuildFinished, EventBus, LogLine, PhaseChanged
from pixel_desktop.jobs.team.dispatch import recall_options, send_build

if TYPE_CHECKING:
    from celery import Celery

    from pixel_desktop.store import Store

log = logging.getLogger(__name__)

LEASE_S = 15.0  # a running build's worker renews its lease every RENEW_S
RENEW_S = 3.0
SWEEP_S = 5.0
MAX_ATTEMPTS = 2


def sweep_expired(store: Store, celery: Celery, redis: Any, bus: EventBus | None = None) -> int:
    """Handle every expired lease once; returns how many builds were retried or ended."""
    handled = 0
    for lease in store.leases.expired():
        who = lease.runner_host or "its worker"
        options = recall_options(redis, lease.build_id)
        if lease.attempt < MAX_ATTEMPTS and options is not None:
            if not store.leases.requeue(lease.build_id, lease.attempt):
                continue
            nxt = lease.attempt + 1
            line = (
                f"attempt {lease.attempt} lost: {who} stopped renewing its lease while "
                f"{lease.status} (killed or cut off); retrying as attempt {nxt} on another worker"
            )
            store.builds.append_log(lease.build_id, [line])
            if bus is not None:
                bus.publish(LogLine(lease.build_id, line, "engine"))
                bus.publish(PhaseChanged(lease.build_id, "queued"))
            send_build(celery, redis, lease.build_id, nxt, options)
        else:
            message = (
                f"Interrupted: {who} stopped while the build was {lease.status} "
                f"(attempt {lease.attempt}); start the build again."
            )
            if not store.leases.interrupt(lease.build_id, lease.attempt, message):
                continue
            store.builds.append_log(lease.build_id, [f"INTERRUPTED: {message}"])
            if bus is not None:
                bus.publish(LogLine(lease.build_id, f"INTERRUPTED: {message}", "engine"))
                bus.publish(PhaseChanged(lease.build_id, "interrupted"))
                bus.publish(BuildFinished(lease.build_id, "interrupted", message, {}))
        handled += 1
    return handled
