"""When a build's end deserves a desktop notification, and what it says (no Qt).

Why only in the background: with the window in front the Builds tab already shows the end;
a notification then is noise. A long build is exactly when the user switched to something
else, and the end (completed, failed, cancelled) is what they wait for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pixel_desktop.events import BuildFinished

Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Notice:
    title: str
    text: str
    level: Level = "info"


class Notifier(Protocol):
    """Shows a notice outside the window (system tray balloon, the platform's notifications)."""

    def notify(self, notice: Notice) -> None: ...


def build_notice(event: BuildFinished, *, window_in_front: bool, project: str | None = None) -> Notice | None:
    """The notice for a finished build, or None when the window is in front."""
    if window_in_front:
        return None
    what = f"Build #{event.build_id}" + (f" of {project}" if project else "")
    if event.status == "completed":
        return Notice(f"{what} completed", "The image is built and tested; open Pixel AI Creator to deploy it.")
    if event.status == "failed":
        return Notice(f"{what} failed", event.error or "See its log in the Builds tab.", "error")
    reason = event.error or "The build was cancelled."
    return Notice(f"{what} {event.status}", reason, "warning")


__all__ = ["Level", "Notice", "Notifier", "build_notice"]
