"""Entry point of `pixel`: global options, dispatch and the error → exit code contract.

Exit codes: 0 ok, 1 the operation failed, 2 bad input. Errors are one line on stderr; a
traceback only with ``--debug``. Each command group lives in its own module exposing
``register(subparsers)``; commands receive the parsed args and the application layer
(``pixel_desktop.app.App``, whose store opens on first use) and only format what it returns.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pixel_desktop import __version__
from pixel_desktop.app import App
from pixel_desktop.errors import PixelError
from pixel_desktop.settings import command_line_password_warning

COMMAND_MODULES = (
    "pixel_desktop.cli.projects",
    "pixel_desktop.cli.templates",
    "pixel_desktop.cli.db",
    "pixel_desktop.cli.generate",
    "pixel_desktop.cli.builds",
    "pixel_desktop.cli.registries",
    "pixel_desktop.cli.deploy",
    "pixel_desktop.cli.eval",
    "pixel_desktop.cli.serve",
    "pixel_desktop.cli.worker",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"pixel: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command group not present in this build
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
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
