"""Build operations: submit, cancel, history, logs, queue counts.

The live side of a build (phases, log lines, samples) does not come through here: it
arrives as events through ``gui.bridge``. These are the store/runner calls around it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord
    from pixel_desktop.gui.services import Services


def submit_build(services: Services, slug: str, *, push_registry: str | None = None) -> ChangeOp[int]:
    """Queue a build of ``slug``; the result is the new build's id."""
    return ChangeOp("submit build", lambda: services.submit_build(slug, push_registry=push_registry))


def cancel_build(services: Services, build_id: int) -> ChangeOp[bool]:
    """Ask the runner to cancel; False when the build was no longer running."""
    return ChangeOp("cancel build", lambda: services.cancel_build(build_id))


def list_builds(services: Services, slug: str | None, limit: int = 50) -> QueryOp[list[BuildRecord]]:
    return QueryOp("list builds", lambda: services.list_builds(slug, limit=limit))


def build_with_log(services: Services, build_id: int, tail: int) -> QueryOp[tuple[BuildRecord, list[str]]]:
    """A past build's record and the last ``tail`` lines of its log, read together."""
    return QueryOp(
        "read build log", lambda: (services.get_build(build_id), services.read_log(build_id, tail=tail))
    )


def save_log(services: Services, build_id: int, path: Path) -> ChangeOp[int]:
    """Write the complete log (from the store, not the bounded view) to ``path``; line count.

    Written beside ``path`` and renamed, so a failure never leaves half a log under the name.
    """

    def work() -> int:
        lines = services.read_log(build_id)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line.rstrip("\n") + "\n")
        tmp.replace(path)
        return len(lines)

    return ChangeOp("save build log", work)


def queue_counts(services: Services) -> QueryOp[dict[str, int]]:
    """{"queued": n, "running": n}: asked once at start; afterwards events keep it current."""
    return QueryOp("queue counts", services.queue_counts)
