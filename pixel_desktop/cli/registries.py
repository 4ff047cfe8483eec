"""`pixel registries add/list/check/remove`: registries in the store, passwords in the keyring.

The password is read from stdin only (never an argument: it would land in shell history and
the process list) and goes straight into the OS keyring; the database keeps name, address,
username and the insecure flag.
"""

from __future__ import annotations

import argparse
import sys

from pixel_desktop.app import App
from pixel_desktop.cli.output import print_json, print_table
from pixel_desktop.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("registries", help="image registries to push to")
    rsub = parser.add_subparsers(dest="registries_command", metavar="ACTION", required=True)
    add = rsub.add_parser("add", help="add a registry (password from stdin into the OS keyring)")
    add.add_argument("name")
    add.add_argument("--url", required=True, metavar="HOST[:PORT]")
    add.add_argument("--username")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--insecure", action="store_true", help="plain HTTP registry")
    add.set_defaults(func=cmd_add)
    lst = rsub.add_parser("list", help="list registries")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)
    check = rsub.add_parser("check", help="verify login and push permission")
    check.add_argument("name")
    check.set_defaults(func=cmd_check)
    remove = rsub.add_parser("remove", help="remove a registry and its stored password")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_remove)


def cmd_add(args: argparse.Namespace, app: App) -> int:
    # Every rule first: nothing is read from stdin for a registry that would be refused.
    app.registries.validate(args.name, args.url, args.username, with_password=args.password_stdin)
    password = None
    if args.password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
        if not password:
            raise InputError("No password on stdin (pipe it in, e.g. `cat pw | pixel ...`).")
    record = app.registries.add(
        args.name, args.url, username=args.username, password=password, insecure=args.insecure
    )
    suffix = " (password stored in the OS keyring)" if password else ""
    print(f"Registry {record.name} added: {record.url}{suffix}")
    return 0


def cmd_list(args: argparse.Namespace, app: App) -> int:
    listing = app.registries.listing()
    if args.json:
        print_json(
            [
                {
                    "name": r.name,
                    "url": r.url,
                    "username": r.username,
                    "insecure": r.insecure,
                    "password_stored": r.password_stored,
                }
                for r in listing
            ]
        )
        return 0
    if not listing:
        print("No registries. Add one with `pixel registries add NAME --url HOST[:PORT]`.")
        return 0
    fmt = {True: "yes", False: "MISSING", None: "-"}
    print_table(
        ("name", "url", "username", "insecure", "password"),
        [
            (r.name, r.url, r.username or "-", "yes" if r.insecure else "no", fmt[r.password_stored])
            for r in listing
        ],
    )
    return 0


def cmd_check(args: argparse.Namespace, app: App) -> int:
    result = app.registries.check(args.name)
    print(result.verdict if result.ok else f"FAIL: {result.verdict}")
    return 0 if result.ok else 1


def cmd_remove(args: argparse.Namespace, app: App) -> int:
    warning = app.registries.remove(args.name)
    if warning:
        print(f"pixel: warning: {warning}", file=sys.stderr)
    print(f"Registry {args.name} removed.")
    return 0
