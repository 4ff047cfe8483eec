"""Try it operations (used by the Try it panel): the builds to try, starting or reusing the
assistant (cancellable by its event), one chat turn, stopping it, removing a crashed app's
leftovers, and the two edits an answer suggests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord, ProjectRecord
    from pixel_desktop.app.try_it import TryAnswer, TrySession
    from pixel_desktop.gui.services import Services


def try_builds(services: Services, slug: str) -> QueryOp[list[BuildRecord]]:
    """Completed builds of ``slug`` with an image, newest first."""
    return QueryOp("builds to try", lambda: services.try_builds(slug))


def start_try(
    services: Services,
    slug: str,
    build_id: int | None,
    *,
    cancel: threading.Event,
    on_progress: Callable[[str], None],
) -> ChangeOp[TrySession]:
    """Reuse or start the build's assistant and wait for /health (``on_progress`` is called
    on the worker thread)."""
    return ChangeOp(
        "start try it",
        lambda: services.start_try(slug, build_id, cancel=cancel, on_progress=on_progress),
    )


def ask(services: Services, session: TrySession, message: str, conversation: str | None) -> QueryOp[TryAnswer]:
    return QueryOp("ask the assistant", lambda: services.ask_try(session, message, conversation))


def stop_try(services: Services, session: TrySession) -> ChangeOp[bool]:
    """Remove the container if Try it started it; a reused one keeps running."""
    return ChangeOp("stop try it", lambda: services.stop_try(session))


def clean_leftovers(services: Services) -> ChangeOp[int]:
    """Remove the Try it containers of an app that is no longer running (a crash)."""
    return ChangeOp("clean try it leftovers", services.clean_try_leftovers)


def add_phrasing(
    services: Services, slug: str, expected_version: int, faq_question: str, phrasing: str
) -> ChangeOp[ProjectRecord]:
    return ChangeOp(
        "add FAQ phrasing",
        lambda: services.add_try_phrasing(slug, expected_version, faq_question, phrasing),
    )


def add_test(services: Services, slug: str, expected_version: int, answer: TryAnswer) -> ChangeOp[ProjectRecord]:
    return ChangeOp("add conversation test", lambda: services.add_try_test(slug, expected_version, answer))
