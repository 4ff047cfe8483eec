"""How builds read on screen: sizes, durations, titles, step text, notices.

Pure functions (no Qt), shared by the Builds tab's controller, its history model and the
tests, so "3.2 min" or "Build #7 — failed — <why>" is decided in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

STEP_INSTRUCTION_MAX = 60
# The build-log line the pipeline records the layer-reuse explanation with (build/layer_reuse.py).
REUSE_PREFIX = "reuse: "


class BuildLike(Protocol):
    """The fields of a build record these functions read (``BuildRecord``, frozen)."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def started_at(self) -> dt.datetime | None: ...
    @property
    def completed_at(self) -> dt.datetime | None: ...
    @property
    def image_name(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...


def size(n: int | None) -> str:
    return f"{n / 1_000_000:.1f} MB" if n else ""


def seconds(s: float | None) -> str:
    """Seconds up to two minutes, then minutes: "42.0 s", "3.2 min"."""
    if s is None:
        return ""
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def duration(build: BuildLike) -> float | None:
    if build.started_at and build.completed_at:
        return (build.completed_at - build.started_at).total_seconds()
    return None


def started(build: BuildLike) -> str:
    """Local time the build started (or was queued, if it never started)."""
    when = build.started_at or build.created_at
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(when, dt.datetime) else ""


def phases(durations: dict[str, float] | None) -> str:
    return ", ".join(f"{name} {seconds(secs)}" for name, secs in (durations or {}).items())


def title(build_id: int, status: str, *, image: str | None = None, error: str | None = None) -> str:
    text = f"Build #{build_id} — {status}"
    if image:
        text += f" — {image}"
    if error:
        text += f" — {error}"
    return text


def record_title(build: BuildLike) -> str:
    return title(build.id, build.status, image=build.image_name, error=build.error_message)


def step_text(step: int, total: int, instruction: str) -> str:
    if len(instruction) >= STEP_INSTRUCTION_MAX:
        instruction = instruction[: STEP_INSTRUCTION_MAX - 3] + "…"
    return f"Docker step {step}/{total}  {instruction}"


def skipped_notice(lines_skipped: int) -> str:
    if not lines_skipped:
        return ""
    return f"{lines_skipped:,} lines came too fast to show live; Save… or Open full log has every line."


def queue_text(running: int, queued: int) -> str:
    return f"Queue: {running} running · {queued} queued"


def reuse_in(lines: Sequence[str]) -> str | None:
    """The last layer-reuse explanation among ``lines`` (a build log), if any."""
    for line in reversed(lines):
        if line.startswith(REUSE_PREFIX):
            return line[len(REUSE_PREFIX) :]
    return None


def with_reuse(title_text: str, reuse: str | None) -> str:
    """The title, and below it why the image build was fast (or slow)."""
    return f"{title_text}\n{reuse}" if reuse else title_text
