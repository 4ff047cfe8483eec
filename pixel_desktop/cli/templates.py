"""`pixel templates list`: the template sets a project can use."""

from __future__ import annotations

import argparse

from pixel_desktop.app import App
from pixel_desktop.cli.output import print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("templates", help="template sets for generated services")
    tsub = parser.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    lst = tsub.add_parser("list", help="list the available template sets")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)


def cmd_list(args: argparse.Namespace, app: App) -> int:
    sets = app.templates.list()
    if args.json:
        print_json(
            [
                {
                    "name": s.name,
                    "description": s.description,
                    "mode": s.mode,
                    "variables": list(s.variables),
                    "path": str(s.path),
                }
                for s in sets
            ]
        )
        return 0
    print_table(["name", "mode", "description"], [(s.name, s.mode, s.description) for s in sets])
    return 0
