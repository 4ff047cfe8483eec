"""`pixel worker`: run this machine's Docker daemon as one of the team's build workers.

Needs team mode (a broker URL and a shared PostgreSQL store); see README "Team mode" for the
systemd unit. Runs until SIGTERM/SIGINT (Celery's warm shutdown lets running builds end).
"""

from __future__ import annotations

import argparse

from pixel_desktop.app import App


def register(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser("worker", help="run a team build worker (Celery, `builds` queue)")
    worker.add_argument(
        "--concurrency", type=int, default=1, metavar="N", help="builds at a time (default 1)"
    )
    worker.add_argument(
        "--name", metavar="NAME", help="worker name, shown as the builds' runner (NAME@host)"
    )
    worker.add_argument(
        "--metrics-port", type=int, metavar="P", help="serve Prometheus metrics on this port"
    )
    worker.add_argument(
        "--metrics-host", default="127.0.0.1", metavar="ADDR",
        help="address for --metrics-port (default 127.0.0.1)",
    )
    worker.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace, app: App) -> int:
    def started(node: str) -> None:
        print(f"pixel worker {node} ready (queue: builds)", flush=True)

    app.jobs.run_worker(
        name=args.name,
        concurrency=args.concurrency,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        on_start=started,
    )
    return 0
