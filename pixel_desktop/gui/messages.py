"""What the user is told when something fails: one sentence in the window's banner.

Qt-free on purpose, so the widget-free tab controllers (``deploy_controller``...) can turn an
exception into the banner text and be tested without a QApplication. ``errors`` adds the
Qt parts (the banner widget, the excepthook) and re-exports these.

``PixelError`` messages already say what is wrong and how to fix it; they are shown as-is.
Anything else is a bug: its traceback goes to ``logs_dir()/gui-errors.log`` and the user
gets one short sentence pointing at that file.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from pixel_desktop import paths
from pixel_desktop.errors import PixelError

log = logging.getLogger(__name__)

_sink: Callable[[str, str], None] | None = None  # (level, message) → window banner


def set_sink(sink: Callable[[str, str], None] | None) -> None:
    global _sink
    _sink = sink


def user_message(exc: BaseException) -> tuple[str, str]:
    """(level, text) for an exception: the PixelError's own words, else a pointer to the log."""
    if isinstance(exc, PixelError):
        return "error", str(exc)
    log_file = _log_unexpected(type(exc), exc, exc.__traceback__)
    return "error", (
        f"Unexpected error ({type(exc).__name__}: {exc}). Details were written to {log_file}; "
        "please include that file when reporting the problem."
    )


def report_exception(exc: BaseException) -> None:
    level, text = user_message(exc)
    show_message(level, text)


def show_message(level: str, text: str) -> None:
    if _sink is not None:
        _sink(level, text)
    else:
        print(text, file=sys.stderr)


def _log_unexpected(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    path = paths.logs_dir() / "gui-errors.log"
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc_type, exc, tb)))
            fh.write("\n")
    except OSError:
        log.exception("cannot write %s", path)
    return str(path)
