"""`pixel eval SLUG FILE.csv [--build ID] [--json]`: score a build's answers to real questions.

Thin over ``pixel_desktop.app.eval`` (the same Evaluator the GUI's Evaluate tab uses). Exit 0
whenever the evaluation ran, whatever the accuracy: the report is the result, and a script
gates on the numbers in ``--json``. Bad input exits 2 before anything starts; Ctrl+C removes
the container on its way out (exit 130, like every command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pixel_desktop.app import App
from pixel_desktop.app.eval import CaseResult, EvalComparison, EvalProgress, EvalReport
from pixel_desktop.cli.output import print_json, print_table
from pixel_desktop.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval",
        help="ask a build every question of a CSV and report accuracy, misses and latency",
        description=(
            "Start the build's image on 127.0.0.1, ask every question of FILE.csv (columns "
            "question,expected; expected is an FAQ question, `fallback`, rule:NAME or "
            "document:TITLE) over HTTP, report and remove the container."
        ),
    )
    parser.add_argument("slug", help="project slug")
    parser.add_argument("csv", type=Path, metavar="FILE.csv", help="question,expected rows")
    parser.add_argument(
        "--build", type=int, metavar="ID", help="build to evaluate (default: the last completed)"
    )
    parser.add_argument(
        "--compare", type=int, metavar="ID",
        help="also ask build ID the same questions, and list the rows that changed: which "
        "answers a change fixed and which it broke",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (progress goes to stderr)"
    )
    parser.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace, app: App) -> int:
    evaluator = app.eval.evaluator()
    plan = evaluator.prepare(args.slug, args.csv, build_id=args.build)
    baseline_plan = None
    if args.compare is not None:  # both checked before either container starts
        # The older build may lack entries the change added: those rows are compared only
        # where both builds know the expected answer.
        baseline_plan = evaluator.prepare(args.slug, args.csv, build_id=args.compare, skip_unknown=True)
        if baseline_plan.build_id == plan.build_id:
            raise InputError(
                f"--compare {args.compare} is the build being evaluated; compare with another: "
                f"pixel builds list {args.slug}"
            )
        if baseline_plan.skipped:
            lines = ", ".join(str(c.line) for c in baseline_plan.skipped[:10])
            more = " …" if len(baseline_plan.skipped) > 10 else ""
            print(
                f"Build {baseline_plan.build_id} does not know the expected answer of "
                f"{len(baseline_plan.skipped)} row(s) (line {lines}{more}); they are asked of "
                f"build {plan.build_id} only.",
                file=sys.stderr,
            )
    last_stage = ""

    def progress(prefix: str) -> Callable[[EvalProgress], None]:
        def on_progress(event: EvalProgress) -> None:
            nonlocal last_stage
            stage = "Asking questions" if event.stage.startswith("Asking") else event.stage
            if prefix + stage != last_stage:  # one line per stage, not one per question
                last_stage = prefix + stage
                suffix = f" ({event.total})" if stage == "Asking questions" else ""
                print(f"{prefix}{stage}{suffix} ...", file=sys.stderr, flush=True)

        return on_progress

    if baseline_plan is None:
        report = evaluator.run(plan, on_progress=progress(""))
        if args.json:
            print_json(report.to_dict())
        else:
            print_report(report)
        return 0
    baseline = evaluator.run(baseline_plan, on_progress=progress(f"Build {baseline_plan.build_id}: "))
    report = evaluator.run(plan, on_progress=progress(f"Build {plan.build_id}: "))
    comparison = EvalComparison(report, baseline)
    if args.json:
        print_json(comparison.to_dict())
    else:
        print_report(report)
        print_comparison(comparison)
    return 0


def _cell(text: str, limit: int = 70) -> str:
    """One table cell: user text on one line, long text cut (the JSON has it whole)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _got(result: CaseResult) -> str:
    if result.suggested:
        return f"{result.got} (did you mean: {result.suggested})"
    return result.got


def print_report(report: EvalReport) -> None:
    source = "the build's FAQ" if report.knowledge == "build" else "the project's FAQ"
    print(
        f"Build {report.build_id} of {report.project_slug} ({report.image}): "
        f"{report.total} questions, expected answers checked against {source}"
    )
    p50 = f"{report.p50_ms:.1f} ms" if report.p50_ms is not None else "-"
    p99 = f"{report.p99_ms:.1f} ms" if report.p99_ms is not None else "-"
    print(f"accuracy       {report.accuracy:6.1%}  ({report.correct}/{report.total})")
    print(f"fallback rate  {report.fallback_rate:6.1%}  ({report.fallbacks}/{report.total})")
    print(f"latency        p50 {p50}  p99 {p99}")
    wrong = report.wrong
    if not wrong:
        print("\nNo wrong answers.")
        return
    print(f"\nWrong answers ({len(wrong)}):")
    rows = [
        (
            r.line,
            _cell(r.question),
            _cell(r.expected, 50),
            _cell(_got(r), 60),
            f"{r.score:.3f}" if r.score is not None else "-",
        )
        for r in wrong
    ]
    print_table(("line", "question", "expected", "got", "score"), rows)


def print_comparison(comparison: EvalComparison) -> None:
    now, base = comparison.report, comparison.baseline
    change = (now.accuracy - base.accuracy) * 100
    asked = f"; build {base.build_id} was asked {base.total} of the {now.total}" if base.total != now.total else ""
    print(
        f"\nCompared with build {base.build_id}: accuracy {base.accuracy:.1%} -> {now.accuracy:.1%} "
        f"({change:+.1f} points), fallback rate {base.fallback_rate:.1%} -> {now.fallback_rate:.1%}{asked}"
    )
    for title, rows in (("Newly wrong", comparison.newly_wrong), ("Newly right", comparison.newly_right)):
        if not rows:
            print(f"{title}: none.")
            continue
        print(f"{title} ({len(rows)}):")
        print_table(
            ("line", "question", "expected", "got", f"got in build {base.build_id}"),
            [(n.line, _cell(n.question), _cell(n.expected, 50), _cell(_got(n), 50), _cell(_got(w), 50))
             for n, w in rows],
        )
