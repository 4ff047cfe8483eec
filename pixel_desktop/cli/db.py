"""`pixel db ...`: store maintenance."""

from __future__ import annotations

import argparse

from pixel_desktop.app import App


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="store maintenance")
    dsub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="apply pending migrations (also done at every start)")
    up.set_defaults(func=cmd_upgrade)
    info = dsub.add_parser("info", help="show which store is in use")
    info.set_defaults(func=cmd_info)
    init = dsub.add_parser(
        "init", help="create a new SQLite store at --store / PIXEL_STORE_URL (or migrate an existing one)"
    )
    init.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace, app: App) -> int:
    """The one command that may create a SQLite store at a path that is not the default:
    anywhere else a missing file is taken for a typo and refused."""
    app.context.create_store = True
    print(f"{app.settings.describe_store()} is ready.")
    return 0


def cmd_upgrade(args: argparse.Namespace, app: App) -> int:
    description = app.settings.describe_store()  # opening migrates to head
    print(f"{description} is at the latest schema revision.")
    return 0


def cmd_info(args: argparse.Namespace, app: App) -> int:
    print(app.settings.describe_store())
    return 0
