"""Entry point of `pixel`: global options, dispatch and the error → exit code contract.

Exit codes: 0 ok, 1 the operation failed, 2 bad input. Errors are one line on stderr; a
traceback only with ``--debug``. Each command group lives in its own module exposing
``register(subparsers)``; commands receive the parsed args and the application layer
(``pixel_desktop.app.App``, whose store opens on first use) and only format what it returns.

Why commands are registered lazily: importing every command group (and with them the
engine, codegen, Docker and the settings model) cost most of a second before any command
ran. ``pixel --version`` imports nothing but this module, and a command imports only its
own group (see :data:`COMMAND_NAMES`); the full parser is built for help and bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pixel_desktop import __version__

COMMAND_MODULES = (
    "pixel_desktop.cli.projects",
    "pixel_desktop.cli.templates",
    "pixel_desktop.cli.db",
    "pixel_desktop.cli.generate",
    "pixel_desktop.cli.builds",
    "pixel_desktop.cli.build_server",
    "pixel_desktop.cli.registries",
    "pixel_desktop.cli.deploy",
    "pixel_desktop.cli.eval",
    "pixel_desktop.cli.serve",
    "pixel_desktop.cli.worker",
    "pixel_desktop.cli.doctor",
    "pixel_desktop.cli.completion",
)

# Which module registers each command, so that `pixel COMMAND` imports that module alone.
# A command missing here still works (every module in COMMAND_MODULES is then registered),
# and a module not in COMMAND_MODULES is never imported for its name here;
# tests/unit/cli/test_cli_speed_paths.py checks the two agree.
COMMAND_NAMES = {
    "projects": "pixel_desktop.cli.projects",
    "templates": "pixel_desktop.cli.templates",
    "db": "pixel_desktop.cli.db",
    "generate": "pixel_desktop.cli.generate",
    "build": "pixel_desktop.cli.builds",
    "builds": "pixel_desktop.cli.builds",
    "build-server": "pixel_desktop.cli.build_server",
    "registries": "pixel_desktop.cli.registries",
    "targets": "pixel_desktop.cli.deploy",
    "deploy": "pixel_desktop.cli.deploy",
    "rollback": "pixel_desktop.cli.deploy",
    "deployments": "pixel_desktop.cli.deploy",
    "bundle": "pixel_desktop.cli.deploy",
    "eval": "pixel_desktop.cli.eval",
    "serve": "pixel_desktop.cli.serve",
    "worker": "pixel_desktop.cli.worker",
    "doctor": "pixel_desktop.cli.doctor",
    "completion": "pixel_desktop.cli.completion",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"pixel: error: {message}\n")


class _GlobalOptions(argparse.ArgumentParser):
    """The options before the command, read first to find which command group to import;
    anything it cannot read is left to the full parser (which then says what is wrong)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ValueError(message)


def _global_options(argv: Sequence[str]) -> tuple[argparse.Namespace, str | None] | None:
    pre = _GlobalOptions(add_help=False)
    pre.add_argument("--version", action="store_true")
    pre.add_argument("--store")
    pre.add_argument("--debug", action="store_true")
    try:
        known, rest = pre.parse_known_args(list(argv))
        command = rest[0] if rest and not rest[0].startswith("-") else None
        if command is not None and known.version:  # only a --version before the command counts
            known.version = pre.parse_known_args(list(argv[: list(argv).index(command)]))[0].version
    except ValueError:
        return None
    return known, command


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The `pixel` parser; given the command line, with only its command group registered
    (when the command is known), else with every group."""
    import importlib

    parser = _Parser(
        prog="pixel",
        description="Define, generate, build, test, push and deploy client AI assistants.",
    )
    parser.add_argument("--version", action="version", version=f"pixel {__version__}")
    parser.add_argument(
        "--store", metavar="URL", help="SQLAlchemy URL of the store (overrides PIXEL_STORE_URL); put a password in "
        "PIXEL_STORE_URL instead, since the command line is visible in ps"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    found = _global_options(argv) if argv is not None else None
    command = found[1] if found else None
    own = COMMAND_NAMES.get(command or "")
    modules = [own] if own in COMMAND_MODULES else COMMAND_MODULES
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command group not present in this build
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # --version is answered before anything else is imported (argparse included, when it
    # comes first: argparse would print it there whatever follows).
    if argv[:1] == ["--version"] or ((found := _global_options(argv)) and found[0].version):
        print(f"pixel {__version__}")
        return 0
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    import logging

    from pixel_desktop.app import App
    from pixel_desktop.errors import PixelError

    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.store:
        from pixel_desktop.settings import command_line_password_warning

        warning = command_line_password_warning(args.store, "pixel")
        if warning:
            print(warning, file=sys.stderr)
    app = App(store_url=args.store, build_concurrency=1)
    try:
        code = args.func(args, app)
        return int(code or 0)
    except PixelError as exc:
        if args.debug:
            raise
        print(f"pixel: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("pixel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"pixel: unexpected error: {exc.__class__.__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
