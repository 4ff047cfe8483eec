"""`pixel db ...`: store maintenance."""

from __future__ import annotations

import argparse

from pixel_desktop.cli.context import CliContext


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="store maintenance")
    dsub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="apply pending migrations (also done at every start)")
    up.set_defaults(func=cmd_upgrade)
    info = dsub.add_parser("info", help="show which store is in use")
    info.set_defaults(func=cmd_info)


def cmd_upgrade(args: argparse.Namespace, ctx: CliContext) -> int:
    store = ctx.store  # opening migrates to head
    print(f"{store.describe()} is at the latest schema revision.")
    return 0


def cmd_info(args: argparse.Namespace, ctx: CliContext) -> int:
    print(ctx.store.describe())
    return 0
