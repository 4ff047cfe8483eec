"""Errors people can act on: a banner in the window, never a traceback dialog.

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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QWidget,
)

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


def install_excepthook() -> None:
    """Exceptions escaping Qt slots end up here instead of aborting or printing only."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        if isinstance(exc, PixelError):
            show_message("error", str(exc))
            return
        exc.__traceback__ = tb
        report_exception(exc)

    sys.excepthook = hook


class Banner(QFrame):
    """Non-modal message strip at the top of the window, with a close button."""

    _COLORS = {
        "error": ("#fdecea", "#b3261e", QStyle.StandardPixmap.SP_MessageBoxCritical),
        "warning": ("#fff4e5", "#8a5300", QStyle.StandardPixmap.SP_MessageBoxWarning),
        "info": ("#e8f1fd", "#174ea6", QStyle.StandardPixmap.SP_MessageBoxInformation),
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.level = "info"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Messages quote daemons, registries and containers: characters, never markup or links.
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        close = QToolButton()
        close.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(close)
        self.hide()

    def text(self) -> str:
        return self._text.text()

    def show_message(self, level: str, text: str) -> None:
        bg, fg, icon = self._COLORS.get(level, self._COLORS["info"])
        self.level = level
        self.setStyleSheet(
            f"#banner {{ background: {bg}; border: 1px solid {fg}; border-radius: 6px; }}"
            f"#banner QLabel {{ color: {fg}; }}"
        )
        self._icon.setPixmap(self.style().standardIcon(icon).pixmap(20, 20))
        self._text.setText(text)
        self.show()
