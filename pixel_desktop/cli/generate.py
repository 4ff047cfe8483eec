"""`pixel generate SLUG -o DIR`: write the service generated for a project into a folder.

The folder is what a build would send to Docker (minus the ``wheels/`` the engine adds), so
it can be reviewed, diffed, tested with ``pytest DIR/tests`` or handed to a client. Written
all or nothing (``app.templates.generate``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pixel_desktop.app import App


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "generate", help="render a project's service into a folder (no build)"
    )
    parser.add_argument("slug", nargs="?", help="project slug in the store (or use --spec)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write into")
    parser.add_argument("--spec", metavar="FILE", help="generate from a spec YAML file instead of the store")
    parser.add_argument("--template", metavar="NAME", help="template set (default: the spec's `template`)")
    parser.add_argument(
        "--force", action="store_true", help="write into DIR even if it already has files"
    )
    parser.set_defaults(func=cmd_generate)


def cmd_generate(args: argparse.Namespace, app: App) -> int:
    result = app.templates.generate(
        Path(args.output),
        slug=args.slug,
        spec_file=Path(args.spec) if args.spec else None,
        template=args.template,
        force=args.force,
    )
    dest = result.folder
    if result.semantic:  # its tests need the embedding model and index made first
        test_it = f"To run and test it by hand, follow \"Run it\" in {dest / 'README.md'}"
    else:
        test_it = f"Test it: pip install -r {dest / 'requirements.txt'} pytest httpx && pytest {dest / 'tests'}"
    print(f"Generated {result.files} files for {result.slug} in {dest}. {test_it}", file=sys.stderr)
    return 0
