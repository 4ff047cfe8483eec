"""Evaluate tab: a CSV is checked as soon as it is loaded, a run shows the summary and the
misses (matched entry and score), Cancel stops it and the container is removed.

The store, the build records and the eval use case are real; the "container" is an
in-process HTTP server (tests/eval_fakes.py) so these tests need no Docker. The same view
against a real image runs in tests/integration/app/test_eval_live.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from eval_fakes import (
    FakeGateway,
    NoSecrets,
    add_built_project,
    fallback_reply,
    faq_reply,
    suggestion_reply,
)
from PySide6.QtCore import Qt

from pixel_desktop import paths
from pixel_desktop.app.eval import Evaluator
from pixel_desktop.gui.eval_format import Column
from pixel_desktop.store import Store

RESET = "How do I reset my password?"
PAY = "Which payment methods do you accept?"


def write_csv(tmp_path: Path, text: str, name: str = "questions.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def use_gateway(services: Any, gateway: FakeGateway) -> None:
    """The window's evaluator, with the stand-in container instead of the Docker gateway."""
    services.evaluator = lambda: Evaluator(
        services.store, services.settings, gateway_factory=lambda: gateway, secrets=NoSecrets()
    )


@pytest.fixture
def tab(window: Any, services: Any) -> Any:
    build = add_built_project(services.store)
    view = window.eval_tab
    window.tabs.setCurrentWidget(view)
    view.refresh()
    view.build_id_expected = build.id
    return view


def wait_checked(qtbot: Any, tab: Any) -> None:
    qtbot.waitUntil(tab.ready_for_screenshot, timeout=10_000)


def test_loading_a_csv_checks_it_against_the_build_before_run_is_possible(
    qtbot: Any, tab: Any, tmp_path: Path
) -> None:
    wait_checked(qtbot, tab)
    assert tab.build_id == tab.build_id_expected
    assert not tab.run_button.isEnabled()

    tab.load_csv(write_csv(tmp_path, "ask,answer\nhi,fallback\n", "bad.csv"))
    wait_checked(qtbot, tab)
    assert "must name the columns question,expected" in tab.status_label.text()
    assert not tab.run_button.isEnabled()

    tab.load_csv(write_csv(tmp_path, f"question,expected\nforgot it,{RESET}\nnope,Unknown entry\n"))
    wait_checked(qtbot, tab)
    assert "line 3: expected 'Unknown entry'" in tab.status_label.text()
    assert not tab.run_button.isEnabled()

    tab.load_csv(write_csv(tmp_path, f"question,expected\nforgot it,{RESET}\nhm,fallback\n"))
    wait_checked(qtbot, tab)
    assert tab.status_label.text().startswith("2 questions")
    assert tab.run_button.isEnabled()


def test_a_run_shows_the_summary_and_each_miss_with_its_matched_entry_and_score(
    qtbot: Any, tab: Any, services: Any, tmp_path: Path
) -> None:
    replies = {
        "forgot it": lambda: faq_reply(RESET, 0.93),
        "cards?": lambda: faq_reply(RESET, 0.41),
        "weather": fallback_reply,
        "paypal ok?": lambda: suggestion_reply(PAY, 0.27),
    }
    gateway = FakeGateway(lambda q: replies[q]())
    use_gateway(services, gateway)
    rows = f"forgot it,{RESET}\ncards?,{PAY}\nweather,fallback\npaypal ok?,{PAY}\n"
    tab.load_csv(write_csv(tmp_path, "question,expected\n" + rows))
    wait_checked(qtbot, tab)
    tab.run_button.click()
    assert tab.running and tab.cancel_button.isEnabled() and not tab.load_button.isEnabled()
    qtbot.waitUntil(lambda: tab.report is not None and not tab.running, timeout=15_000)

    assert tab.accuracy_value.text() == "50.0%  (2/4)"
    assert tab.fallback_value.text() == "50.0%  (2/4)"
    assert tab.p50_value.text().endswith(" ms") and tab.p99_value.text().endswith(" ms")
    assert tab.misses_title.text() == "Wrong answers (2)"
    model = tab.table.model()
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Line", "Question", "Expected", "Answered by", "Score", "Last run"
    ]
    assert tab.table.isColumnHidden(Column.BEFORE) and tab.since_label.isHidden()  # a first run
    shown = [[model.text(r, c) for c in Column if c is not Column.BEFORE] for r in range(model.rowCount())]
    assert shown == [
        ["3", "cards?", PAY, RESET, "0.410"],
        ["5", "paypal ok?", PAY, f"fallback (did you mean: {PAY})", "0.270"],
    ]
    tip = model.data(model.index(0, Column.GOT), Qt.ItemDataRole.ToolTipRole)
    assert tip == "The assistant replied: answer"
    assert gateway.removed == ["fakecontainer0001"]
    assert "container was removed" in tab.status_label.text()
    assert tab.run_button.isEnabled() and not tab.cancel_button.isEnabled()


def test_running_the_same_file_on_a_newer_build_marks_what_the_change_broke(
    qtbot: Any, window: Any, tab: Any, services: Any, tmp_path: Path
) -> None:
    answers = {"forgot it": lambda: faq_reply(RESET, 0.93), "cards?": lambda: faq_reply(RESET, 0.41)}
    use_gateway(services, FakeGateway(lambda q: answers[q]()))
    tab.load_csv(write_csv(tmp_path, f"question,expected\nforgot it,{RESET}\ncards?,{PAY}\n"))
    wait_checked(qtbot, tab)
    tab.run_button.click()
    qtbot.waitUntil(lambda: tab.report is not None and not tab.running, timeout=15_000)
    first = tab.report.build_id

    newer = add_built_project(services.store)  # a rebuild whose change broke "forgot it"
    answers["forgot it"] = fallback_reply
    answers["cards?"] = lambda: faq_reply(PAY, 0.8)
    tab.refresh()
    qtbot.waitUntil(lambda: tab.build_combo.findData(newer.id) >= 0, timeout=10_000)
    tab.build_combo.setCurrentIndex(tab.build_combo.findData(newer.id))  # the user picks the rebuild
    qtbot.waitUntil(lambda: tab.build_id == newer.id and tab.ready_for_screenshot(), timeout=10_000)
    tab.run_button.click()
    qtbot.waitUntil(lambda: tab.report is not None and tab.report.build_id == newer.id and not tab.running, timeout=15_000)

    assert tab.since_label.isVisible() and tab.since_label.text().startswith(f"Since build #{first}, ")
    assert "1 newly wrong" in tab.since_label.text() and "1 newly right" in tab.since_label.text()
    model = tab.table.model()
    assert not tab.table.isColumnHidden(Column.BEFORE)
    assert [(model.text(r, Column.LINE), model.text(r, Column.BEFORE)) for r in range(model.rowCount())] == [("2", "right")]
    assert model.data(model.index(0, Column.BEFORE), Qt.ItemDataRole.ToolTipRole).startswith("Answered right in the last run")


def test_cancel_stops_the_run_and_the_container_is_removed(
    qtbot: Any, tab: Any, services: Any, tmp_path: Path
) -> None:
    def slow(_q: str) -> tuple[int, dict[str, Any]]:
        time.sleep(0.05)
        return faq_reply(RESET)

    gateway = FakeGateway(slow)
    use_gateway(services, gateway)
    rows = "".join(f"question {i},{RESET}\n" for i in range(400))
    tab.load_csv(write_csv(tmp_path, "question,expected\n" + rows))
    wait_checked(qtbot, tab)
    tab.run_button.click()
    qtbot.waitUntil(lambda: tab.progress.value() >= 3, timeout=15_000)
    tab.cancel_button.click()
    assert not tab.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not tab.running, timeout=15_000)
    assert tab.status_label.text() == "Cancelled; the container was removed."
    assert gateway.removed == ["fakecontainer0001"]
    assert 3 <= len(gateway.asked) < 400
    assert tab.report is None and tab.misses.rowCount() == 0
    assert tab.run_button.isEnabled()


def test_an_evaluation_that_fails_says_why_in_the_tab_and_the_banner(
    qtbot: Any, tab: Any, services: Any, window: Any, tmp_path: Path
) -> None:
    gateway = FakeGateway(lambda _q: faq_reply(RESET), healthy=False)
    use_gateway(services, gateway)
    tab.load_csv(write_csv(tmp_path, f"question,expected\nforgot it,{RESET}\n"))
    wait_checked(qtbot, tab)
    tab.run()
    qtbot.waitUntil(lambda: not tab.running, timeout=15_000)
    assert "exited before becoming healthy" in tab.status_label.text()
    assert "ERROR the data file is broken" in tab.status_label.text()
    assert window.banner.isVisible()
    assert gateway.removed == ["fakecontainer0001"]


def _screenshot_app(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PIXEL_STORE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pixel_desktop.gui.app", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def test_screenshot_with_a_refused_csv_prints_the_reason_and_writes_no_picture(
    tmp_path: Path,
) -> None:
    with Store.open(paths.default_store_url()) as store:
        add_built_project(store)
    out = tmp_path / "evaluate.png"
    bad = write_csv(tmp_path, "ask,answer\nhi,fallback\n")
    result = _screenshot_app(
        "--screenshot", str(out), "--project", "acme-support-bot", "--eval-csv", str(bad)
    )
    assert result.returncode == 1
    assert "must name the columns question,expected" in result.stderr
    assert not out.exists()


def test_eval_csv_without_screenshot_is_refused() -> None:
    result = _screenshot_app("--eval-csv", "questions.csv")
    assert result.returncode == 2
    assert "--eval-csv only makes sense with --screenshot" in result.stderr


def test_switching_project_during_a_run_cancels_it_and_drops_its_late_result(
    qtbot: Any, tab: Any, services: Any, tmp_path: Path
) -> None:
    def slow(_q: str) -> tuple[int, dict[str, Any]]:
        time.sleep(0.05)
        return faq_reply(RESET)

    gateway = FakeGateway(slow)
    use_gateway(services, gateway)
    rows = "".join(f"question {i},{RESET}\n" for i in range(400))
    tab.load_csv(write_csv(tmp_path, "question,expected\n" + rows))
    wait_checked(qtbot, tab)
    tab.run_button.click()
    qtbot.waitUntil(lambda: tab.progress.value() >= 2, timeout=15_000)
    tab.set_project(None)
    assert not tab.running and tab.plan is None
    qtbot.waitUntil(lambda: gateway.removed == ["fakecontainer0001"], timeout=15_000)
    qtbot.waitUntil(lambda: tab._tasks.pending == 0, timeout=15_000)
    assert tab.report is None and tab.misses.rowCount() == 0
    assert tab.status_label.text().startswith("Load a CSV")  # not the old project's outcome
    assert len(gateway.asked) < 400
