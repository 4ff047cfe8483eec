"""`pixel projects secret ...`: store, list or remove a project's secret env values (OS keyring).

Why the value never comes from argv: the command line is visible to every user in ``ps``
and lands in shell history. It is read from stdin when piped, else prompted without echo.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pixel_desktop.app import App
from pixel_desktop.cli.output import print_json, print_table
from pixel_desktop.errors import InputError

# A secret is one line of text; a reader of an endless pipe stops here.
MAX_SECRET_CHARS = 64 * 1024


def register(psub: argparse._SubParsersAction) -> None:
    parser = psub.add_parser("secret", help="set, list or unset a project's secret env values (OS keyring)")
    ssub = parser.add_subparsers(dest="secret_command", metavar="ACTION", required=True)

    put = ssub.add_parser(
        "set",
        help="store a secret value in the OS keyring (read from stdin or a prompt, never argv)",
        description="Store the value of one of the project's deployment.secret_env names in the "
        "OS keyring. The value is read from stdin when piped (echo \"$KEY\" | pixel projects "
        "secret set SLUG NAME), else asked for without echo.",
    )
    put.add_argument("slug")
    put.add_argument("name", help="a name listed in the spec's deployment.secret_env")
    put.set_defaults(func=cmd_set)

    unset = ssub.add_parser(
        "unset",
        help="remove a secret value from the OS keyring (a deploy then runs without it)",
    )
    unset.add_argument("slug")
    unset.add_argument("name", help="a secret env name (also one no longer in the spec)")
    unset.set_defaults(func=cmd_unset)

    lst = ssub.add_parser("list", help="which secret values are set, and which the service reads")
    lst.add_argument("slug")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)


def _read_value(name: str) -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        value = sys.stdin.read(MAX_SECRET_CHARS + 1)
        if len(value) > MAX_SECRET_CHARS:
            raise InputError(f"The value of {name} on stdin is longer than {MAX_SECRET_CHARS} characters.")
        value = value.rstrip("\r\n")
    else:
        value = getpass.getpass(f"Value of {name} (stored in the OS keyring only): ")
    if not value:
        raise InputError(f"No value given for {name}; nothing stored.")
    return value


def cmd_set(args: argparse.Namespace, app: App) -> int:
    record = app.projects.get(args.slug)
    declared = record.spec.deployment.secret_env
    if args.name not in declared:
        raise InputError(
            f"{args.name} is not a secret env name of {record.slug} "
            f"(it declares: {', '.join(declared) or 'none'}).",
            hint="Add it to deployment.secret_env in the spec (Editor › Deployment) first.",
        )
    app.projects.set_secret(record, args.name, _read_value(args.name))
    print(f"Stored the value of {args.name} for {record.slug} in the OS keyring.", file=sys.stderr)
    return 0


def cmd_unset(args: argparse.Namespace, app: App) -> int:
    """Any name, declared or not: a value left behind by a name removed from the spec must
    be removable too."""
    record = app.projects.get(args.slug)
    if app.projects.unset_secret(record, args.name):
        print(f"Removed the value of {args.name} for {record.slug} from the OS keyring.", file=sys.stderr)
    else:
        print(f"{record.slug} had no value for {args.name} in the OS keyring; nothing to remove.", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace, app: App) -> int:
    from pixel_desktop.app.doctor import secret_states

    record = app.projects.get(args.slug)
    states = secret_states(app.projects, record)
    if args.json:
        print_json([{"name": s.name, "set": s.is_set, "read_by_service": s.used} for s in states])
        return 0
    if not states:
        print(f"{record.slug} declares no secret env names.", file=sys.stderr)
        return 0
    print_table(
        ["name", "value", "read by the service"],
        [(s.name, "set" if s.is_set else "not set", "yes" if s.used else "no") for s in states],
    )
    return 0
