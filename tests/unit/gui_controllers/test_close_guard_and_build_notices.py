"""Closing while builds run and notifying a build's end: the decisions, without Qt."""

from __future__ import annotations

import subprocess
import sys

from pixel_desktop.events import BuildFinished
from pixel_desktop.gui.close_guard import CloseChoice, CloseGuard, CloseQuestion, close_question
from pixel_desktop.gui.notifications import build_notice


def test_closing_with_nothing_running_asks_nothing() -> None:
    asked: list[CloseQuestion] = []
    guard = CloseGuard(lambda q: asked.append(q) or CloseChoice.STAY)
    assert guard.decide([]) is None
    assert asked == []


def test_closing_while_builds_run_asks_and_returns_the_choice() -> None:
    asked: list[CloseQuestion] = []

    def ask(question: CloseQuestion) -> CloseChoice:
        asked.append(question)
        return CloseChoice.KEEP_RUNNING

    assert CloseGuard(ask).decide([7, 5]) is CloseChoice.KEEP_RUNNING
    assert asked[0].text == "2 builds are still running (#5, #7)."


def test_the_close_question_says_what_each_choice_does() -> None:
    question = close_question([12])
    assert question.text == "Build #12 is still running."
    assert "Keep running" in question.details and "background" in question.details
    assert "Cancel build" in question.details and "the app was closed" in question.details
    assert "Don't close" in question.details


def test_no_notice_while_the_window_is_in_front() -> None:
    assert build_notice(BuildFinished(3, "completed"), window_in_front=True) is None


def test_a_build_ending_in_the_background_is_notified_with_its_outcome() -> None:
    done = build_notice(BuildFinished(3, "completed"), window_in_front=False, project="Acme Support Bot")
    assert done is not None and done.title == "Build #3 of Acme Support Bot completed" and done.level == "info"
    failed = build_notice(BuildFinished(4, "failed", "The container test failed: /health 500."), window_in_front=False)
    assert failed is not None and failed.title == "Build #4 failed"
    assert failed.text == "The container test failed: /health 500." and failed.level == "error"
    cancelled = build_notice(BuildFinished(5, "cancelled", "Cancelled because the app was closed."), window_in_front=False)
    assert cancelled is not None and cancelled.level == "warning" and "app was closed" in cancelled.text


def test_close_guard_notices_and_lifecycle_operations_import_without_qt() -> None:
    code = (
        "import importlib, sys\n"
        "for name in ('pixel_desktop.gui.close_guard', 'pixel_desktop.gui.notifications', "
        "'pixel_desktop.gui.operations.lifecycle', 'pixel_desktop.app.keep_running'):\n"
        "    importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""
