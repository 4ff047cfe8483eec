"""The Try it panel beside the editor: chat with a build's assistant, see where each answer
came from, and turn a question into an FAQ phrasing or a conversation test in one click.

A thin view: every decision is :class:`~pixel_desktop.gui.try_controller.TryController`'s
(tested without Qt); this draws what it asks and forwards clicks. The panel owns its own
"Try it" button (shown in the tab bar's corner), so the window only places it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QToolButton,
    QWidget,
)

from pixel_desktop.gui import theme
from pixel_desktop.gui.try_controller import EditorState, TryController
from pixel_desktop.gui.widgets.layout import hbox, vbox

if TYPE_CHECKING:
    from pixel_desktop.app.records import BuildRecord, ProjectRecord
    from pixel_desktop.app.try_it import TryAnswer
    from pixel_desktop.events import BuildFinished
    from pixel_desktop.gui.operations import Runner
    from pixel_desktop.gui.services import Services

KIND_COLORS = {
    "faq": theme.SUCCESS, "document": theme.SUCCESS, "rule": theme.ACCENT,
    "suggestion": theme.ATTENTION, "fallback": theme.SEVERE, "handoff": theme.DONE,
}
STATUS_COLORS = {"info": theme.MUTED, "busy": theme.ACCENT, "error": theme.ERROR_TEXT}


class TryPanel(QFrame):
    """Hidden until its button (``open_button``) is clicked; closing it stops the assistant."""

    project_changed = Signal(object)  # ProjectRecord: an edit made here was saved; reload the editor

    def __init__(
        self,
        services: Services,
        runner: Runner,
        editor_state: Callable[[], EditorState],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tryPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(300)

        self.open_button = QToolButton()
        self.open_button.setText("Try it")
        self.open_button.setCheckable(True)
        self.open_button.setToolTip("Chat with the assistant of a build, beside the editor (Ctrl+T)")
        self.open_button.setShortcut("Ctrl+T")
        self.open_button.toggled.connect(self._toggled)

        title = QLabel("<b>Try it</b>")
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close Try it and stop the assistant's container")
        self.close_button.clicked.connect(lambda: self.open_button.setChecked(False))
        self.build_combo = QComboBox()
        self.build_combo.setToolTip("The build to try (the newest completed build by default)")
        self.build_combo.activated.connect(self._build_chosen)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Start again")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(lambda: self.controller.retry())
        self.transcript = QTextBrowser()
        self.transcript.setOpenLinks(False)
        self.transcript.setPlaceholderText("Answers appear here with their source and score.")
        self.input = QLineEdit()
        self.input.setPlaceholderText("Ask what a customer would ask…")
        self.input.returnPressed.connect(self._send)
        self.send_button = QPushButton("Ask")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self._send)
        self.phrasing_button = QPushButton("Add as phrasing")
        self.phrasing_button.setToolTip(
            "Add the last question to the questions: of the FAQ entry that answered it "
            "(or that you choose), and save the project"
        )
        self.phrasing_button.clicked.connect(lambda: self.controller.add_phrasing())
        self.test_button = QPushButton("Add as test")
        self.test_button.setToolTip(
            "Add a conversation test (tests:) asking the last question and expecting the start "
            "of its answer, and save the project"
        )
        self.test_button.clicked.connect(lambda: self.controller.add_test())

        self.setLayout(vbox(
            8, 6,
            hbox(0, 6, title, 1, self.close_button),
            hbox(0, 6, QLabel("Build"), (self.build_combo, 1)),
            hbox(0, 6, (self.status_label, 1), self.retry_button),
            (self.transcript, 1),
            hbox(0, 6, (self.input, 1), self.send_button),
            hbox(0, 6, self.phrasing_button, self.test_button, 1),
        ))
        self.controller = TryController(services, runner, self, editor_state)
        self.set_chat_enabled(False)
        self.set_edit_actions(False, False)
        self.setVisible(False)

    # ---------------------------------------------------------------- window hooks
    def set_project(self, slug: str | None) -> None:
        self.controller.set_project(slug)

    def shutdown(self) -> None:
        self.controller.shutdown()

    def build_finished(self, event: BuildFinished) -> None:
        self.controller.build_finished(event.build_id, event.status)

    def _toggled(self, checked: bool) -> None:
        self.setVisible(checked)
        if checked:
            self.controller.open()
            self.input.setFocus()
        else:
            self.controller.close()

    def close_panel(self) -> None:
        self.open_button.setChecked(False)

    def open_panel(self) -> None:
        self.open_button.setChecked(True)

    def _build_chosen(self, index: int) -> None:
        build_id = self.build_combo.itemData(index)
        if isinstance(build_id, int):
            self.controller.choose_build(build_id)

    def _send(self) -> None:
        self.controller.ask(self.input.text())

    # ---------------------------------------------------------------- TryView
    def show_builds(self, builds: Sequence[BuildRecord], select: int | None) -> None:
        self.build_combo.clear()
        for i, build in enumerate(builds):
            when = build.completed_at.strftime("%Y-%m-%d %H:%M") if build.completed_at else ""
            newest = " (newest)" if i == 0 else ""
            self.build_combo.addItem(f"Build {build.id}{newest} · {when}".rstrip(" ·"), build.id)
        index = self.build_combo.findData(select) if select is not None else -1
        self.build_combo.setCurrentIndex(max(index, 0) if builds else -1)
        self.build_combo.setEnabled(bool(builds))

    def show_status(self, level: str, text: str) -> None:
        color = STATUS_COLORS.get(level, theme.MUTED)
        self.status_label.setStyleSheet(f"color: {color};")
        self.status_label.setText(text)
        self.retry_button.setVisible(level == "error")

    def set_chat_enabled(self, enabled: bool) -> None:
        self.input.setEnabled(enabled)
        self.send_button.setEnabled(enabled)

    def set_edit_actions(self, phrasing: bool, test: bool) -> None:
        self.phrasing_button.setEnabled(phrasing)
        self.test_button.setEnabled(test)

    def clear_chat(self) -> None:
        self.transcript.clear()

    def _append_html(self, block: str) -> None:
        self.transcript.append(block)
        self.transcript.moveCursor(QTextCursor.MoveOperation.End)

    def append_question(self, text: str) -> None:
        self._append_html(f"<p><b>You:</b> {html.escape(text)}</p>")

    def append_answer(self, answer: TryAnswer) -> None:
        color = KIND_COLORS.get(answer.kind, theme.MUTED)
        handoff = " · <b>handoff</b>" if answer.handoff else ""
        self._append_html(
            f"<p><b>Assistant:</b> {html.escape(answer.reply)}<br>"
            f"<span style='color:{color}'>{html.escape(answer.explanation)}</span>"
            f"<span style='color:{theme.SUBTLE}'> · {answer.latency_ms:.0f} ms{handoff}</span></p>"
        )

    def append_note(self, level: str, text: str) -> None:
        color = STATUS_COLORS.get(level, theme.MUTED)
        self._append_html(f"<p style='color:{color}'><i>{html.escape(text)}</i></p>")

    def question_sent(self) -> None:
        self.input.clear()

    def choose_faq_entry(self, questions: Sequence[str], question: str) -> str | None:
        entry, ok = QInputDialog.getItem(
            self, "Add as FAQ phrasing",
            f"Which FAQ entry should answer \u201c{question}\u201d?", list(questions), 0, False,
        )
        return entry if ok and entry else None

    def project_saved(self, record: ProjectRecord) -> None:
        self.project_changed.emit(record)
