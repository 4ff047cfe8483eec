"""The Deploy tab's log window: a deployed container's (or Swarm service's) log, followed.

Why a window of its own: a log is read while the tab goes on (deploy, chart, history), and
it must stop reading when the user closes it. The reading runs as the named operation
``operations.deploys.follow_log`` on a pool thread; its lines arrive here through a queued
signal, and closing the window closes the log (``close_log``), which ends that thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from pixel_desktop.gui.logview import LogView
from pixel_desktop.gui.messages import user_message
from pixel_desktop.gui.operations import deploys as ops
from pixel_desktop.gui.operations.deploys import DeployServices, LogFollower
from pixel_desktop.gui.tasks import TaskRunner
from pixel_desktop.gui.widgets.layout import STRETCH, hbox, margins, vbox

TAIL_LINES = 500


class _Lines(QObject):
    """Carries lines from the reading thread to the GUI thread (queued connection)."""

    line = Signal(str)
    source = Signal(str)


class DeploymentLogDialog(QDialog):
    def __init__(
        self,
        services: DeployServices,
        tasks: TaskRunner,
        slug: str,
        target: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.slug, self.target = slug, target
        self.setWindowTitle(f"Log of {slug} on {target}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 520)
        self.status = QLabel(f"Connecting to {target}…")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it quotes the daemon
        self.status.setWordWrap(True)
        self.view = LogView()
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        self.setLayout(margins(vbox(0, 6, self.status, (self.view, 1), hbox(0, 6, STRETCH, close)), 10, 10, 10, 10))

        self._tasks = tasks
        self._lines = _Lines(self)
        self._lines.line.connect(lambda text: self.view.append_lines([text]))
        self._lines.source.connect(self._show_source)
        self.follower = LogFollower(services, slug, target, tail=TAIL_LINES)
        ops.follow_log(self.follower, self._lines.source.emit, self._lines.line.emit).success(
            self._ended
        ).failure(self._failed).run_in_background(tasks)

    def _show_source(self, source: str) -> None:
        self.status.setText(f"Following the log of {source} on {self.target} (last {TAIL_LINES} lines first).")

    def _ended(self, closed: bool) -> None:
        if not closed:
            self.status.setText(
                f"The log of {self.slug} on {self.target} ended: the container stopped or was removed."
            )

    def _failed(self, exc: BaseException) -> None:
        if not self.follower.closed:
            self.status.setText(f"Cannot read the log: {user_message(exc)[1]}")

    def stop_following(self) -> None:
        """Close the log now (quick: it shuts the stream's socket), so its reading thread
        ends even when the app is quitting and no background task would run any more."""
        ops.close_log(self.follower).run_now()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_following()
        super().closeEvent(event)
