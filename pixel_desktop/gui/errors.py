"""Errors people can act on: a banner in the window, never a traceback dialog.

The Qt-free half (what the message says, where it goes) is ``messages``; this module adds
the banner widget and the excepthook.

``PixelError`` messages already say what is wrong and how to fix it; they are shown as-is.
Anything else is a bug: its traceback goes to ``logs_dir()/gui-errors.log`` and the user
gets one short sentence pointing at that file.
"""

from __future__ import annotations

import sys
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

from pixel_desktop.errors import PixelError
from pixel_desktop.gui.messages import (  # re-exported: callers import them from here
    _log_unexpected,
    report_exception,
    set_sink,
    show_message,
    user_message,
)

__all__ = [
    "Banner",
    "_log_unexpected",
    "install_excepthook",
    "report_exception",
    "set_sink",
    "show_message",
    "user_message",
]


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
