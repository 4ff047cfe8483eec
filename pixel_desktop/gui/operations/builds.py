"""Build operations: submit, cancel, history, logs, queue counts.

The live side of a build (phases, log lines, samples) does not come through here: it
arrives as events through ``gui.bridge``. These are the store/runner calls around it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop.errors import PixelError
from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord
    from pixel_desktop.gui.services import Services


# Build & Push is refused before building when the registry check fails; in the window the
# place to fix a login is the Settings dialog, so the refusal names it (the CLI's names a command).
_PUSH_FIX = {
    "unauthorized": "correct its username and password in Settings › Registries",
    "no_password": "enter its password again in Settings › Registries",
    "forbidden": "use an account allowed to push there, in Settings › Registries",
}
_PUSH_FIX_ADDRESS = "check its address and the \"Plain HTTP / self-signed\" box in Settings › Registries"


def push_refusal_text(registry: str, verdict: str, kind: str) -> str:
    """One sentence: not building, what the registry said, and the control that fixes it."""
    said = re.split(r": |; ", verdict, maxsplit=1)[0].rstrip(".")
    said = said[:1].lower() + said[1:]
    fix = _PUSH_FIX.get(kind, _PUSH_FIX_ADDRESS)
    return f"Not building: {said}, so the push to {registry} would fail; {fix}, then Build & Push again."


def submit_build(services: Services, slug: str, *, push_registry: str | None = None) -> ChangeOp[int]:
    """Queue a build of ``slug``; the result is the new build's id. With ``push_registry`` the
    registry is checked first, and a failed check refuses before anything is queued."""

    def submit() -> int:
        from pixel_desktop.app.builds import PushRefusedError

        try:
            return services.submit_build(slug, push_registry=push_registry)
        except PushRefusedError as exc:
            raise PixelError(push_refusal_text(exc.registry, exc.verdict, exc.kind)) from None

    return ChangeOp("submit build", submit)


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
