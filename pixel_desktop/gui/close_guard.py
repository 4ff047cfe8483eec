"""What closing the window does to builds still running (no Qt: tested without a display).

Why ask: in local mode builds run on threads of this process, so closing the app used to
cancel them silently and the history only said "cancelled during the container test". Now
the user chooses: cancel them (the record says the app was closed) or keep them running
headless until they end (the window goes, the process stays; a reopened app follows them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum


class CloseChoice(Enum):
    KEEP_RUNNING = "keep"  # close the window, finish the builds headless, then exit
    CANCEL_BUILDS = "cancel"  # cancel them ("cancelled because the app was closed"), exit
    STAY = "stay"  # do not close


@dataclass(frozen=True)
class CloseQuestion:
    """The dialog's words: the title, the main sentence and what each choice does."""

    title: str
    text: str
    details: str


def close_question(build_ids: Sequence[int]) -> CloseQuestion:
    ids = sorted(build_ids)
    if len(ids) == 1:
        text = f"Build #{ids[0]} is still running."
        details = (
            "Keep running: the window closes and the build finishes in the background; its log "
            "is saved and the reopened app shows the result.\n"
            "Cancel build: it stops now and its history says the app was closed.\n"
            "Don't close: go back to the window."
        )
    else:
        text = f"{len(ids)} builds are still running ({', '.join(f'#{i}' for i in ids)})."
        details = (
            "Keep running: the window closes and the builds finish in the background; their logs "
            "are saved and the reopened app shows the results.\n"
            "Cancel builds: they stop now and their history says the app was closed.\n"
            "Don't close: go back to the window."
        )
    return CloseQuestion("Builds are running", text, details)


@dataclass
class CloseGuard:
    """Decides a close request: ``ask`` shows the question and returns the choice."""

    ask: Callable[[CloseQuestion], CloseChoice]

    def decide(self, running: Sequence[int]) -> CloseChoice | None:
        """None: nothing runs here, close as before; otherwise the user's choice."""
        if not running:
            return None
        return self.ask(close_question(running))


__all__ = ["CloseChoice", "CloseGuard", "CloseQuestion", "close_question"]
