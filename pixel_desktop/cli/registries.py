"""`pixel registries add/list/check/remove`: registries in the store, passwords in the keyring.

The password is read from stdin only (never an argument: it would land in shell history and
the process list) and goes straight into the OS keyring; the database keeps name, address,
username and the insecure flag.
"""

from __future__ import annotations

import argparse
import re
import sys

from pixel_desktop.cli.context import CliContext
from pixel_desktop.cli.output import print_json, print_table
from pixel_desktop.errors import InputError, PixelError, SecretStoreError

_ADDRESS_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


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


def normalize_address(url: str) -> str:
    """HOST[:PORT] as Docker wants it in image names; refuse schemes, paths and junk."""
    address = url.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not _ADDRESS_RE.match(address):
        raise InputError(
            f"Registry address {url!r} is not HOST[:PORT] (for example registry.example.com or "
            "127.0.0.1:5000)."
        )
    if ":" in address and not 0 < int(address.rsplit(":", 1)[1]) < 65536:
        raise InputError(f"Registry port in {url!r} must be between 1 and 65535.")
    return address


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    from pixel_desktop.secrets import SecretStore

    if not _NAME_RE.match(args.name):
        raise InputError(
            f"Registry name {args.name!r} must be 1-63 lowercase letters, digits, '-' or '_'."
        )
    address = normalize_address(args.url)
    if args.password_stdin and not args.username:
        raise InputError("--password-stdin needs --username.")
    password = None
    if args.password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
        if not password:
            raise InputError("No password on stdin (pipe it in, e.g. `cat pw | pixel ...`).")
    secrets = SecretStore()
    if password:
        secrets.backend  # noqa: B018 - fail before touching the DB when no keyring works
    record = ctx.store.registries.add(
        args.name, address, username=args.username, insecure=args.insecure
    )
    if password:
        try:
            secrets.set_registry_password(record.name, args.username, password)
        except SecretStoreError:
            ctx.store.registries.remove(record.name)  # no half-configured registry
            raise
    suffix = " (password stored in the OS keyring)" if password else ""
    print(f"Registry {record.name} added: {record.url}{suffix}")
    return 0


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from pixel_desktop.secrets import SecretStore

    records = ctx.store.registries.list()
    secrets = SecretStore()

    def has_password(name: str, user: str | None) -> bool | None:
        if not user:
            return None
        try:
            return secrets.get_registry_password(name, user) is not None
        except PixelError:
            return None  # keyring unavailable: unknown

    rows = [
        {
            "name": r.name,
            "url": r.url,
            "username": r.username,
            "insecure": r.insecure,
            "password_stored": has_password(r.name, r.username),
        }
        for r in records
    ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No registries. Add one with `pixel registries add NAME --url HOST[:PORT]`.")
        return 0
    fmt = {True: "yes", False: "MISSING", None: "-"}
    print_table(
        ("name", "url", "username", "insecure", "password"),
        [
            (
                r["name"],
                r["url"],
                r["username"] or "-",
                "yes" if r["insecure"] else "no",
                fmt[r["password_stored"]],
            )
            for r in rows
        ],
    )
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from pixel_desktop.build.registry_api import RegistryAPI
    from pixel_desktop.secrets import SecretStore

    record = ctx.store.registries.get(args.name)
    password = None
    if record.username:
        password = SecretStore().get_registry_password(record.name, record.username)
        if password is None:
            print(
                f"FAIL: no password for {record.username} at {record.name} in the OS keyring; "
                f"remove and add the registry again with --password-stdin."
            )
            return 1
    result = RegistryAPI(record.url, record.username, password, insecure=record.insecure).check()
    print(result.verdict if result.ok else f"FAIL: {result.verdict}")
    return 0 if result.ok else 1


def cmd_remove(args: argparse.Namespace, ctx: CliContext) -> int:
    from pixel_desktop.secrets import SecretStore

    record = ctx.store.registries.get(args.name)
    if record.username:
        try:
            SecretStore().delete_registry_password(record.name, record.username)
        except SecretStoreError as exc:
            print(f"pixel: warning: {exc}", file=sys.stderr)
    ctx.store.registries.remove(record.name)
    print(f"Registry {record.name} removed.")
    return 0
