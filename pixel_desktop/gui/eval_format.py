"""How the Evaluate tab words things: build choices, status sentences, the summary, misses.

Kept apart from the controller and the widgets so each sentence the user reads is written
once and tested without Qt (tests/unit/gui_controllers/test_eval_controller.py).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixel_desktop.app.eval import CaseResult, EvalComparison, EvalPlan, EvalReport
    from pixel_desktop.app.records import BuildRecord

INTRO = "Load a CSV of question,expected rows to check how this assistant answers them."
HINT = (
    "To fix a miss, add its question as another phrasing of the expected entry "
    "(Editor → FAQ), build again and re-run."
)
NO_FILE = "No questions loaded"
NO_BUILD_CHOICE = "No build with an image — build the project first"
NO_BUILD_STATUS = "This project has no build with an image yet: build it, then evaluate."
CANCELLING = "Cancelling… the container is being removed."
CANCELLED = "Cancelled; the container was removed."
NOTHING = "–"


class Column(enum.IntEnum):
    """The misses table's columns, in the order shown."""

    LINE = 0
    QUESTION = enum.auto()
    EXPECTED = enum.auto()
    GOT = enum.auto()
    SCORE = enum.auto()
    BEFORE = enum.auto()  # shown only when the report is compared with an earlier run


HEADERS = {
    Column.LINE: "Line",
    Column.QUESTION: "Question",
    Column.EXPECTED: "Expected",
    Column.GOT: "Answered by",
    Column.SCORE: "Score",
    Column.BEFORE: "Last run",
}
RIGHT_BEFORE = "right"


@dataclass(frozen=True, slots=True)
class BuildChoice:
    """One entry of the build picker: its text, the build id (None = nothing to run) and tooltip."""

    text: str
    build_id: int | None
    tip: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    """The four figures above the misses table, the table's title, and what changed since
    the last run of the same file on another build ("" when there was none)."""

    accuracy: str
    fallback_rate: str
    p50: str
    p99: str
    misses_title: str
    since: str = ""


EMPTY_SUMMARY = Summary(NOTHING, NOTHING, NOTHING, NOTHING, "Wrong answers")


def latest_completed(builds: Sequence[BuildRecord]) -> int | None:
    """The newest build that completed: the one chosen when nothing else was."""
    return next((b.id for b in builds if b.status == "completed"), None)


def build_choices(builds: Sequence[BuildRecord]) -> list[BuildChoice]:
    """Newest first, as listed: "#12 · Dec 02 05:40 (latest)"; a failed-test build says so."""
    if not builds:
        return [BuildChoice(NO_BUILD_CHOICE, None)]
    latest = latest_completed(builds)
    choices = []
    for b in builds:
        when = b.completed_at.astimezone().strftime("%b %d %H:%M") if b.completed_at else ""
        status = "" if b.status == "completed" else f" · {b.status}"
        mark = " (latest)" if b.id == latest else ""
        choices.append(BuildChoice(f"#{b.id} · {when}{status}{mark}", b.id, b.image_name or ""))
    return choices


def checking(csv_name: str, build_id: int) -> str:
    return f"Checking {csv_name} against build #{build_id}…"


def checked(plan: EvalPlan, build_id: int) -> str:
    where = "its FAQ" if plan.knowledge.source == "build" else "the project's FAQ"
    return (
        f"{plan.total} questions; every expected answer is known to build #{build_id} "
        f"(checked against {where}). Press Run."
    )


def starting(build_id: int | None) -> str:
    return f"Starting build #{build_id}…"


def finished(report: EvalReport) -> str:
    return f"Build #{report.build_id}: {report.total} questions asked; the container was removed."


def cannot_load_builds(reason: str) -> str:
    return f"Cannot load the builds: {reason}"


def failed_banner(text: str) -> str:
    """The window banner's one line for a failed run (the tab shows the whole message)."""
    return f"Evaluation failed: {text.splitlines()[0] if text else 'unknown error'}"


def ms(value: float | None) -> str:
    return f"{value:.1f} ms" if value is not None else NOTHING


def summary(report: EvalReport | None, comparison: EvalComparison | None = None) -> Summary:
    if report is None:
        return EMPTY_SUMMARY
    wrong = len(report.wrong)
    return Summary(
        accuracy=f"{report.accuracy:.1%}  ({report.correct}/{report.total})",
        fallback_rate=f"{report.fallback_rate:.1%}  ({report.fallbacks}/{report.total})",
        p50=ms(report.p50_ms),
        p99=ms(report.p99_ms),
        misses_title=f"Wrong answers ({wrong})" if wrong else "No wrong answers",
        since=since(comparison) if comparison is not None else "",
    )


def since(comparison: EvalComparison) -> str:
    """One sentence: how the accuracy moved since the last run of this file, and how many
    rows a change fixed and broke (a steady accuracy can hide both)."""
    base, now = comparison.baseline, comparison.report
    broke, fixed = len(comparison.newly_wrong), len(comparison.newly_right)
    marked = " (\"right\" under Last run)" if broke else ""
    return (
        f"Since build #{base.build_id}, the last run of this file: accuracy {base.accuracy:.1%} → "
        f"{now.accuracy:.1%} ({(now.accuracy - base.accuracy) * 100:+.1f} points); "
        f"{broke} newly wrong{marked}, {fixed} newly right."
    )


def before_text(before: CaseResult | None) -> str:
    """The Last run cell: "right" for a row the change broke, else what answered it then."""
    if before is None:
        return NOTHING
    return RIGHT_BEFORE if before.correct else miss_text(before, Column.GOT)


def miss_text(row: CaseResult, column: Column) -> str:
    """What a cell of the misses table shows: the question on one line, the entry that
    answered instead (with the entry a "Did you mean" fallback offered) and its score."""
    match column:
        case Column.LINE:
            return str(row.line)
        case Column.QUESTION:
            return " ".join(row.question.split())
        case Column.EXPECTED:
            return row.expected
        case Column.GOT:
            return f"{row.got} (did you mean: {row.suggested})" if row.suggested else row.got
        case Column.SCORE:
            return f"{row.score:.3f}" if row.score is not None else NOTHING
        case Column.BEFORE:
            return NOTHING  # the model answers it from the earlier run (before_text)


def miss_tooltip(row: CaseResult, column: Column) -> str | None:
    """The whole text where a cell is shortened: the reply, the question as written."""
    if column is Column.GOT and row.reply:
        return f"The assistant replied: {row.reply}"
    if column is Column.QUESTION:
        return row.question
    if column is Column.EXPECTED:
        return row.expected
    return None
