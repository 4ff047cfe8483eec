"""Try it against the real daemon: the sample is built through the app, the panel runs its
image on 127.0.0.1, a reworded question gets the FAQ answer with its source, and no
container with the panel's label is left once the panel closes or the app exits.
"""

from __future__ import annotations

from typing import Any

import pytest
from services import docker_cli

from pixel_desktop.app.try_it import OWNER_LABEL, owner_id

pytestmark = [pytest.mark.docker, pytest.mark.slow]
BUILD_TIMEOUT_MS = 1_200_000
# One of the sample's reworded conversation tests (examples/acme-support.yaml): it shares no
# content word with the FAQ entry "How do I delete my account?".
REWORDED = "How do I get rid of my profile?"
ENTRY = "How do I delete my account?"


@pytest.fixture
def built_window(qtbot: Any, window: Any, services: Any, docker_host: str, base_image: str) -> Any:
    """The window with the sample built through the app (Build on the toolbar)."""
    services.settings = services.settings.model_copy(update={"docker_host": docker_host, "base_image": base_image})
    finished: list[Any] = []
    window.bridge.build_finished.connect(finished.append)
    window.build_action.trigger()
    qtbot.waitUntil(lambda: bool(finished), timeout=BUILD_TIMEOUT_MS)
    assert finished[0].status == "completed", finished[0].error
    return window


def try_containers(docker_host: str) -> list[str]:
    """Containers carrying the panel's label, started by this test process."""
    out = docker_cli(docker_host, "ps", "-aq", "--filter", "label=pixel.role=try",
                     "--filter", f"label={OWNER_LABEL}={owner_id()}").stdout
    return out.split()


def open_try(qtbot: Any, window: Any) -> Any:
    panel = window.try_panel
    panel.open_panel()
    assert panel.isVisible()
    qtbot.waitUntil(lambda: panel.controller.session is not None or "error" in panel.status_label.styleSheet()
                    or panel.retry_button.isVisible(), timeout=120_000)
    assert panel.controller.session is not None, panel.status_label.text()
    return panel


def ask(qtbot: Any, panel: Any, question: str) -> Any:
    before = len(panel.controller.answers)
    panel.input.setText(question)
    panel.send_button.click()
    qtbot.waitUntil(lambda: len(panel.controller.answers) > before, timeout=60_000)
    assert panel.input.text() == ""  # answered: the input is free for the next question
    return panel.controller.answers[-1]


def test_a_reworded_question_gets_the_faq_answer_with_its_source_and_closing_leaves_no_container(
    qtbot: Any, built_window: Any, docker_host: str
) -> None:
    window = built_window
    panel = open_try(qtbot, window)
    session = panel.controller.session
    assert session.owned and session.base_url.startswith("http://127.0.0.1:")
    assert session.build_id == window.builds_tab.build_id
    assert try_containers(docker_host) == [session.container_id[:12]]

    answer = ask(qtbot, panel, REWORDED)
    assert answer.kind == "faq" and answer.source_title == ENTRY, answer
    assert "Delete account" in answer.reply
    assert answer.score is not None and 0 < answer.score <= 1
    shown = panel.transcript.toPlainText()
    assert REWORDED in shown and f"From FAQ entry \u201c{ENTRY}\u201d (score {answer.score:.2f})" in shown

    panel.close_panel()
    assert not panel.isVisible()
    qtbot.waitUntil(lambda: try_containers(docker_host) == [], timeout=30_000)


def test_a_fallback_question_becomes_a_phrasing_and_app_exit_removes_the_container(
    qtbot: Any, built_window: Any, docker_host: str
) -> None:
    window = built_window
    panel = open_try(qtbot, window)
    answer = ask(qtbot, panel, "Can my grandmother knit a scarf for the office?")
    assert answer.kind in {"fallback", "suggestion"}, answer
    assert panel.phrasing_button.isEnabled()

    version = window.record.version
    panel.choose_faq_entry = lambda questions, question: ENTRY  # the dialog's answer
    panel.phrasing_button.click()
    qtbot.waitUntil(lambda: window.record.version == version + 1, timeout=20_000)
    entry = next(e for e in window.record.spec.training_data.faq if e.question == ENTRY)
    assert entry.questions[-1] == "Can my grandmother knit a scarf for the office?"
    assert not window.editor.dirty  # the editor shows the saved version
    assert "build again to use it" in panel.transcript.toPlainText()

    assert len(try_containers(docker_host)) == 1
    window.shutdown()
    assert try_containers(docker_host) == []
