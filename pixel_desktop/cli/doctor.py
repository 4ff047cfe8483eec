"""`pixel doctor`: what is missing to build, push, deploy and demo offline (exit 1 if any)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from pixel_desktop.app import App
from pixel_desktop.app.doctor import DoctorReport, diagnose
from pixel_desktop.cli.output import print_json, terminal_text


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check Docker, base image, wheelhouse, keyring, registries and secrets",
        description="Check the Docker daemon, the base image, the warm wheelhouse, the OS keyring, "
        "every registry login and every project's secrets, and say what an offline demo still "
        "needs. Exit 0 when everything is fine, 1 when something is missing.",
    )
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    parser.set_defaults(func=cmd_doctor)


def report_lines(report: DoctorReport) -> Iterator[str]:
    """One line per check, its fix indented below; then the offline-demo verdict."""
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        subject = f" {check.subject}" if check.subject else ""
        yield f"{mark} {check.area}{subject}: {check.detail}"
        if not check.ok and check.fix:
            yield f"     fix: {check.fix}"
    missing = report.missing_for_offline_demo
    if missing:
        names = ", ".join(f"{c.area} {c.subject}".strip() for c in missing)
        yield f"Offline demo: not ready, missing {names}."
    else:
        yield "Offline demo: ready (the daemon, the base image and the wheels are all local)."


def cmd_doctor(args: argparse.Namespace, app: App) -> int:
    report = diagnose(app)
    if args.json:
        print_json(report.as_data())
    else:
        for line in report_lines(report):
            print(terminal_text(line))
    return 0 if report.ok else 1
