"""Kinds every layer shares: build and deploy statuses, deploy stages, job kinds, "healthy".

Defined once so the store, the job runner, the CLI and the GUI cannot disagree about which
status is terminal or what counts as healthy (before, build statuses lived in three places
and "healthy" was decided three different ways). Plain tuples and functions: no imports, so
any layer may use them.
"""

from __future__ import annotations

from typing import Literal

# ---------------------------------------------------------------- builds
BUILD_QUEUED = "queued"
RUNNING_BUILD_STATUSES = ("generating", "building", "testing", "pushing")
# Where a build is on its way: the live view shows these as phases.
BUILD_PHASES = (BUILD_QUEUED, *RUNNING_BUILD_STATUSES)
TERMINAL_BUILD_STATUSES = ("completed", "failed", "cancelled", "interrupted")
BUILD_STATUSES = (*BUILD_PHASES, *TERMINAL_BUILD_STATUSES)

# ---------------------------------------------------------------- deployments
# ``pending``: recorded at submit, waiting for the job to start (or for its lock).
# ``cancelled``: the user cancelled it; its message says what was left running.
# ``stopped`` / ``removed``: a history entry for the user stopping (containers kept, can be
# started by a deploy) or removing the deployment's containers/service on the target.
UNFINISHED_DEPLOYMENT_STATUSES = ("pending", "deploying")
DEPLOYMENT_END_STATUSES = ("stopped", "removed")
TERMINAL_DEPLOYMENT_STATUSES = (
    "healthy",
    "failed",
    "rolled_back",
    "cancelled",
    *DEPLOYMENT_END_STATUSES,
)
DEPLOYMENT_STATUSES = (*UNFINISHED_DEPLOYMENT_STATUSES, *TERMINAL_DEPLOYMENT_STATUSES)

DEPLOY_STAGES = (
    "preparing",
    "connecting",
    "transferring",
    "starting",
    "health",
    "finishing",
    "rolling_back",
)

# ---------------------------------------------------------------- jobs
JobKind = Literal["build", "deploy", "rollback"]
JOB_KINDS: tuple[JobKind, ...] = ("build", "deploy", "rollback")

# ---------------------------------------------------------------- health
HEALTHY_HTTP_STATUS = 200
# A container's own Docker HEALTHCHECK states.
CONTAINER_HEALTHY = "healthy"
CONTAINER_UNHEALTHY = "unhealthy"


def health_answer_ok(status_code: int, payload: object = None, *, body_read: bool = False) -> bool:
    """The one definition of a healthy answer from a generated app's health endpoint.

    Healthy means HTTP 200; when the caller read the JSON body (the build's container test
    does, to show it), it must also say ``"status": "ok"``. The generated app answers 200
    only together with ``{"status": "ok", ...}`` (build-templates/_common/main.py), so the
    deploy checks, which only need the status code, agree with the build test.
    """
    if status_code != HEALTHY_HTTP_STATUS:
        return False
    if not body_read:
        return True
    return isinstance(payload, dict) and payload.get("status") == "ok"
