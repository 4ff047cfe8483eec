"""`pixel build-server status|stop` (and `serve`, which `pixel build` runs by itself).

The build server keeps one `pixel` process up between builds so that a warm `pixel build`
does not pay Python's start-up with the whole engine each time (README, "The build server").
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pixel_desktop.cli.output import fmt_time, print_table

if TYPE_CHECKING:
    from pixel_desktop.app import App
    from pixel_desktop.app.build_server import client as client_types


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "build-server",
        help="the background process `pixel build` hands builds to (status, stop)",
        description="`pixel build` starts a build server on first use and hands it every later "
        "build; it exits after 15 idle minutes (PIXEL_BUILD_SERVER_IDLE_S). "
        "PIXEL_BUILD_SERVER=off builds in the `pixel build` process itself.",
    )
    actions = parser.add_subparsers(dest="build_server_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="the build servers of this data folder")
    status.set_defaults(func=cmd_status)
    stop = actions.add_parser("stop", help="stop them (each finishes its running builds first)")
    stop.set_defaults(func=cmd_stop)
    serve = actions.add_parser("serve", help="run a build server (started by `pixel build`)")
    serve.add_argument("--fingerprint", required=True, help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)


def cmd_status(args: argparse.Namespace, app: App) -> int:
    from pixel_desktop.app.build_server import client, identity

    if identity.disabled():
        print("The build server is off (PIXEL_BUILD_SERVER); `pixel build` builds in its own process.")
    found = client.servers(args.store)
    failed = client.failure_note(args.store)
    if failed:
        why, when = failed
        print(
            f"A build server for this shell failed to start at {fmt_time_epoch(when)} ({why}); "
            f"`pixel build` builds in its own process until `pixel build-server stop` or "
            f"{identity.FAILED_RETRY_S / 60:.0f} minutes later."
        )
    if not found:
        if not failed:
            print("No build server is running for this data folder; the next `pixel build` starts one.")
        return 0
    rows = [(s.pid, fmt_time_epoch(s.started_at), _state(s), s.running) for s in found]
    print_table(("pid", "started", "state", "builds"), rows)
    return 0


def _state(server: client_types.ServerInfo) -> str:
    if not server.answering:
        return "not answering"
    if server.stopping:
        return "stopping (takes no new build)"
    return "takes this shell's builds" if server.current else "other settings, code or environment"


def fmt_time_epoch(ts: float) -> str:
    from datetime import datetime

    return fmt_time(datetime.fromtimestamp(ts))  # local time: when the user started it


def cmd_stop(args: argparse.Namespace, app: App) -> int:
    from pixel_desktop.app.build_server import client

    stopped = client.stop_all(args.store)
    if not stopped:
        print("No build server was running for this data folder.")
    for s in stopped:
        then = f"; it exits when its {s.running} build(s) end" if s.running else ""
        print(f"Build server {s.pid} is already stopping{then}." if s.stopping else f"Stopping build server {s.pid}{then}.")
    return 0


def cmd_serve(args: argparse.Namespace, app: App) -> int:
    from pixel_desktop.app.build_server import server

    if sys.stdout.isatty():
        print("`pixel build-server serve` is started by `pixel build`; it is not for a terminal.", file=sys.stderr)
        return 2
    return server.serve(args.store, args.fingerprint)
