"""`pixel build SLUG` and `pixel builds list/show/cancel`.

`pixel build` hands the build to the build server (``app.build_server``: a resident `pixel`
that skips Python's start-up for every warm build) or, when none can take it, runs it as a
job of this process's runner (``app.builds``); either way it streams the log through one
printer, and Ctrl-C cancels the build cleanly (the daemon-side build and any test container
are stopped) instead of leaving it running. `pixel builds cancel` works from another
terminal through a cancel request that the building process polls.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
from typing import TYPE_CHECKING, Any

from pixel_desktop.cli import prune
from pixel_desktop.cli.output import fmt_time, print_json, print_table
from pixel_desktop.cli.progress_line import ProgressLine
from pixel_desktop.events import BuildFinished, Event, LogLine, PhaseChanged, StepProgress

if TYPE_CHECKING:
    from pixel_desktop.app import App

CANCEL_GRACE_S = 60


def duration_s(record: Any) -> float | None:
    """The build's duration (imported on use: `pixel build` on the build server needs none
    of the app layer's store types)."""
    from pixel_desktop.app.builds import duration_s as of

    return of(record)


def register(sub: argparse._SubParsersAction) -> None:
    build = sub.add_parser("build", help="generate, build, test and optionally push a project")
    build.add_argument("slug", help="project slug")
    build.add_argument("--no-test", action="store_true", help="skip the container test")
    build.add_argument(
        "--no-cache", action="store_true", help="rebuild every layer (Docker's layer cache unused)"
    )
    build.add_argument("--push", metavar="REGISTRY_NAME", help="push to a configured registry")
    build.add_argument(
        "--json", action="store_true", help="log to stderr; print one JSON result object"
    )
    build.add_argument(
        "--local", action="store_true",
        help="build in this process (no build server; in team mode, not on the team's workers)"
    )
    build.set_defaults(func=cmd_build)

    parser = sub.add_parser("builds", help="list, show and cancel builds")
    bsub = parser.add_subparsers(dest="builds_command", metavar="ACTION", required=True)
    lst = bsub.add_parser("list", help="list builds (newest first)")
    lst.add_argument("slug", nargs="?", help="only builds of this project")
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)
    show = bsub.add_parser("show", help="show one build")
    show.add_argument("build_id", type=int)
    show.add_argument("--json", action="store_true")
    show.add_argument("--logs", action="store_true", help="print the full build log")
    show.add_argument(
        "--follow", action="store_true",
        help="print the log from the start and follow it until the build ends (any machine)",
    )
    show.set_defaults(func=cmd_show)
    cancel = bsub.add_parser("cancel", help="cancel a queued or running build")
    cancel.add_argument("build_id", type=int)
    cancel.set_defaults(func=cmd_cancel)
    prune.register(bsub)


class _BuildPrinter:
    """What `pixel build` prints, whether the build runs here or on the build server: the
    log (on a terminal, phase and Docker step on one updating line below it), then the
    result line or the `--json` object."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.finished: dict[str, Any] = {}
        self.done = threading.Event()
        self.progress = ProgressLine.for_stream(sys.stderr if json_mode else sys.stdout, plain=json_mode)

    def on_event(self, event: Event) -> None:
        if isinstance(event, LogLine):
            self.progress.log(event.text)
        elif isinstance(event, PhaseChanged):
            self.progress.phase(event.phase)
        elif isinstance(event, StepProgress):
            self.progress.step(event.step, event.total, event.instruction)
        elif isinstance(event, BuildFinished):
            self.finished.update(event.result)
            self.done.set()

    def cancelling(self, build_id: int) -> None:
        self.progress.log(f"Cancelling build {build_id} ...")

    def report(self, result: dict[str, Any]) -> int:
        self.progress.close()
        if self.json_mode:
            print_json(result)
        elif result.get("status") == "completed":
            extra = f", pushed {result['pushed_ref']}@{result['digest']}" if result.get("pushed_ref") else ""
            print(f"Build {result['build_id']} completed: {result['image']}{extra}")
        else:
            print(f"pixel: build {result['build_id']} {result['status']}: {result['error']}", file=sys.stderr)
        return 0 if result.get("status") == "completed" else 1


def cmd_build(args: argparse.Namespace, app: App) -> int:
    printer = _BuildPrinter(args.json)
    # --local and --debug build here: --debug wants this process's logs and tracebacks.
    if not getattr(args, "local", False) and not getattr(args, "debug", False):
        code = _build_on_server(args, printer)
        if code is not None:
            return code
    return _build_here(args, app, printer)


def _build_on_server(args: argparse.Namespace, printer: _BuildPrinter) -> int | None:
    """Hand the build to the build server (README, "The build server"); None: build here."""
    from pixel_desktop.app.build_server import client

    request = client.BuildRequest(
        args.slug, run_tests=not args.no_test, push_registry=args.push, no_cache=args.no_cache
    )
    try:
        outcome = client.build(request, getattr(args, "store", None), printer.on_event, printer.cancelling)
    except BaseException:  # a second Ctrl-C: end the progress line before `pixel: interrupted`
        printer.progress.close()
        raise
    if outcome is None:
        return None
    if outcome.result is None:
        printer.progress.close()
        print(f"pixel: {outcome.error}", file=sys.stderr)
        return outcome.exit_code
    return printer.report(outcome.result)


def _build_here(args: argparse.Namespace, app: App, printer: _BuildPrinter) -> int:
    from pixel_desktop.app.builds import build_result

    unsubscribe = None
    if getattr(args, "local", False):
        app.jobs.force_local(1)
    try:
        job = app.builds.submit(
            args.slug, run_tests=not args.no_test, push_registry=args.push, no_cache=args.no_cache
        )
        # The job's events from its first one (replayed), then live: no line is missed.
        unsubscribe = app.bus.subscribe_job(job, printer.on_event)
        try:
            while not printer.done.wait(0.25):
                pass
        except KeyboardInterrupt:
            printer.cancelling(job.id)
            app.builds.cancel_here(job)
            printer.done.wait(CANCEL_GRACE_S)
        record = app.builds.wait(job, timeout=CANCEL_GRACE_S)
    finally:
        app.jobs.shutdown(timeout=CANCEL_GRACE_S)
        if unsubscribe is not None:
            unsubscribe()
        printer.progress.close()
    return printer.report(build_result(record, printer.finished))


def cmd_list(args: argparse.Namespace, app: App) -> int:
    records = app.builds.list(args.slug, limit=args.limit)
    if args.json:
        print_json([_record_dict(r) for r in records])
        return 0
    if not records:
        print("No builds yet. Start one with `pixel build SLUG`.")
        return 0
    rows = [
        (
            r.id,
            r.project_slug,
            r.status,
            fmt_time(r.created_at),
            f"{duration_s(r):.0f}s" if duration_s(r) is not None else "-",
            r.pushed_ref or r.image_name or "-",
        )
        for r in records
    ]
    print_table(("id", "project", "status", "created", "took", "image"), rows)
    return 0


def _record_dict(record: Any) -> dict[str, Any]:
    data = dataclasses.asdict(record)
    data["duration_s"] = duration_s(record)
    return data


def cmd_show(args: argparse.Namespace, app: App) -> int:
    if getattr(args, "follow", False):
        return _follow(args, app)
    record = app.builds.get(args.build_id)
    if args.json:
        data = _record_dict(record)
        if args.logs:
            data["log"] = app.builds.log(record.id)
        print_json(data)
        return 0
    if args.logs:
        for line in app.builds.log(record.id):
            sys.stdout.write(line + "\n")
        return 0
    took = duration_s(record)
    fields = [
        ("build", record.id),
        ("project", record.project_slug),
        ("status", record.status),
        ("created", fmt_time(record.created_at)),
        ("took", f"{took:.1f} s" if took is not None else "-"),
        ("image", record.image_name or "-"),
        ("image id", record.image_id or "-"),
        ("size", f"{record.size_bytes / 1e6:.1f} MB" if record.size_bytes else "-"),
        ("pushed", record.pushed_ref or "-"),
        ("digest", record.digest or "-"),
        ("phases", ", ".join(f"{k} {v:.1f}s" for k, v in (record.phases or {}).items()) or "-"),
        ("error", record.error_message or "-"),
    ]
    for key, value in fields:
        print(f"{key + ':':<10} {value}")
    return 0


def _follow(args: argparse.Namespace, app: App) -> int:
    """The build's log from its first line, then live until it ends (read from the store,
    the durable copy every worker writes to); exit 0 when it completed."""
    out = sys.stderr if args.json else sys.stdout

    def on_line(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    record = app.jobs.follow_build(args.build_id, on_line)
    if args.json:
        print_json(_record_dict(record))
    else:
        where = f" on {record.runner_host}" if record.runner_host else ""
        print(f"Build {record.id} {record.status}{where}" + (
            f": {record.error_message}" if record.error_message else ""))
    return 0 if record.status == "completed" else 1


def cmd_cancel(args: argparse.Namespace, app: App) -> int:
    print(app.builds.cancel(args.build_id))
    return 0
