"""What the routes answer: build records as JSON objects, and the trigger options.

Why here and not in the app layer: these are the API's wire shapes (field names clients
depend on), chosen once for every route.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from pixel_desktop.app.builds import duration_s
from pixel_desktop.app.records import BuildRecord


class TriggerOptions(BaseModel):
    """The body of POST /builds/trigger/{slug}; every field optional, unknown ones refused."""

    model_config = ConfigDict(extra="forbid")

    push_registry: str | None = None
    no_cache: bool = False
    run_tests: bool = True


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def build_summary(record: BuildRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "project": record.project_slug,
        "status": record.status,
        "created_at": _time(record.created_at),
        "started_at": _time(record.started_at),
        "completed_at": _time(record.completed_at),
        "duration_s": duration_s(record),
        "runner": record.runner_host,
        "image": record.image_name,
        "digest": record.digest,
        "error": record.error_message,
    }


def build_status(record: BuildRecord, logs: list[str]) -> dict[str, Any]:
    return {
        **build_summary(record),
        "image_id": record.image_id,
        "size_bytes": record.size_bytes,
        "pushed_ref": record.pushed_ref,
        "registry": record.registry_name,
        "phases": dict(record.phases),
        "log_line_count": record.log_line_count,
        "logs": logs,
    }
