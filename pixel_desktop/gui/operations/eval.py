"""Evaluation operations (used by the Evaluate tab): the builds to choose from, the CSV
check against a build (no Docker), and the run itself (cancellable by its event)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp, QueryOp

if TYPE_CHECKING:
    from pixel_desktop.app.eval import EvalPlan, EvalProgress, EvalReport
    from pixel_desktop.app.records import BuildRecord
    from pixel_desktop.gui.services import Services


def eval_builds(services: Services, slug: str) -> QueryOp[list[BuildRecord]]:
    """Finished builds of ``slug`` that have an image to evaluate, newest first."""
    return QueryOp("builds to evaluate", lambda: services.eval_builds(slug))


def prepare_eval(services: Services, slug: str, csv_path: Path, build_id: int) -> QueryOp[EvalPlan]:
    """Check the CSV against the build without starting anything."""
    return QueryOp("check questions", lambda: services.prepare_eval(slug, csv_path, build_id))


def evaluate(
    services: Services,
    slug: str,
    csv_path: Path,
    build_id: int | None,
    *,
    cancel: threading.Event,
    on_progress: Callable[[EvalProgress], None],
) -> ChangeOp[EvalReport]:
    """Start the build's image, ask every question, remove the container (also on cancel).
    ``on_progress`` is called on the worker thread."""
    return ChangeOp(
        "evaluate",
        lambda: services.evaluate(slug, csv_path, build_id, cancel=cancel, on_progress=on_progress),
    )
