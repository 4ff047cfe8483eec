"""Desktop notifications through the system tray, or a taskbar alert where there is none.

Why a tray icon shown only while notifying: the app has no tray menu, but
``QSystemTrayIcon.showMessage`` is the one portable way to reach the platform's notification
centre (freedesktop notifications, the Windows action centre, macOS Notification Center).
Without a tray (some Wayland sessions, offscreen) the window asks for attention instead.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from pixel_desktop.gui.notifications import Notice

_ICONS = {
    "info": QSystemTrayIcon.MessageIcon.Information,
    "warning": QSystemTrayIcon.MessageIcon.Warning,
    "error": QSystemTrayIcon.MessageIcon.Critical,
}
SHOW_MS = 10_000


class TrayNotifier:
    def __init__(self, window: QWidget, icon: QIcon) -> None:
        self._window = window
        self._icon = icon
        self._tray: QSystemTrayIcon | None = None
        self.shown: list[Notice] = []  # what was notified, newest last (About/diagnostics, tests)

    def notify(self, notice: Notice) -> None:
        self.shown.append(notice)
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self._icon, self._window)
                self._tray.setToolTip("Pixel AI Creator")
                self._tray.messageClicked.connect(self._bring_to_front)
            self._tray.show()
            self._tray.showMessage(notice.title, notice.text, _ICONS[notice.level], SHOW_MS)
        else:
            QApplication.alert(self._window)

    def _bring_to_front(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
