"""The status bar's queue counts, kept current from build events instead of polling.

Before, the window asked the database every 2 s how many builds were queued and running,
although every change of those numbers is an event on the bus (a build is queued, starts,
finishes). Now the runner's counts are asked once (at start, and on Refresh, for builds
this window has no events about), and each event moves a build between the counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from pixel_desktop.events import PHASES, BuildFinished, PhaseChanged

QUEUED = "queued"


class QueueCounts:
    """Queued and running builds: a one-time baseline plus the builds seen in events."""

    def __init__(self) -> None:
        self._phase: dict[int, str] = {}  # build id → its phase, while not finished
        self._baseline = {"queued": 0, "running": 0}

    def seed(self, counts: Mapping[str, int]) -> None:
        """The runner's answer; builds already tracked from events are not counted twice."""
        queued, running = self._tracked()
        self._baseline = {
            "queued": max(0, int(counts.get("queued", 0)) - queued),
            "running": max(0, int(counts.get("running", 0)) - running),
        }

    def on_event(self, event: PhaseChanged | BuildFinished) -> bool:
        """Apply an event; True when the counts changed."""
        before = self.counts()
        if isinstance(event, PhaseChanged) and event.phase in PHASES:
            self._phase[event.build_id] = event.phase
        else:
            self._phase.pop(event.build_id, None)
        return self.counts() != before

    def _tracked(self) -> tuple[int, int]:
        queued = sum(1 for phase in self._phase.values() if phase == QUEUED)
        return queued, len(self._phase) - queued

    def counts(self) -> dict[str, int]:
        queued, running = self._tracked()
        return {"queued": self._baseline["queued"] + queued, "running": self._baseline["running"] + running}

    def active(self) -> set[int]:
        """Builds seen queued or running and not finished yet."""
        return set(self._phase)
