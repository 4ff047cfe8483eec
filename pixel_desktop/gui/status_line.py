"""The window's status bar: Docker daemon lamp and text, store, build queue, team (broker)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar

from pixel_desktop.gui import theme


def dot(color: str) -> QPixmap:
    """A small status lamp; emoji are not available in every font (nor offscreen)."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return pixmap


class StatusLine:
    """Fills ``bar`` with the labels and draws what it is told."""

    def __init__(self, bar: QStatusBar) -> None:
        self.docker_label = QLabel("Docker: checking…")
        self.store_label = QLabel("Store: opening…")
        self.queue_label = QLabel("")
        # Team mode only: workers online, or "broker unreachable" until Redis answers again.
        self.team_label = QLabel("")
        self.team_label.setVisible(False)
        self.docker_dot = QLabel()
        self.docker_dot.setPixmap(dot(theme.SUBTLE))
        self.docker_dot.setContentsMargins(6, 0, 0, 0)
        for label in (self.docker_label, self.store_label, self.queue_label, self.team_label):
            label.setContentsMargins(4, 0, 6, 0)
        # Long daemon errors must not widen the window: the label may clip, its tooltip has it all.
        self.docker_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.docker_label.setMinimumWidth(120)
        bar.addWidget(self.docker_dot)
        bar.addWidget(self.docker_label, 1)
        bar.addPermanentWidget(self.store_label)
        bar.addPermanentWidget(self.queue_label)
        bar.addPermanentWidget(self.team_label)

    def show_docker(self, ok: bool, text: str) -> None:
        self.docker_dot.setPixmap(dot(theme.SUCCESS if ok else theme.DANGER))
        self.docker_label.setText(text)
        self.docker_label.setToolTip(text)

    def show_store(self, text: str) -> None:
        self.store_label.setText(text)

    def show_queue(self, text: str) -> None:
        self.queue_label.setText(text)

    def show_team(self, text: str, ok: bool, tooltip: str) -> None:
        self.team_label.setText(text)
        self.team_label.setToolTip(tooltip)
        self.team_label.setStyleSheet("" if ok else f"color: {theme.DANGER};")
        self.team_label.setVisible(True)
