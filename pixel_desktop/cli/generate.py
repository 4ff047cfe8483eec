"""`pixel generate SLUG -o DIR`: write the service generated for a project into a folder.

The folder is what a build would send to Docker (minus the ``wheels/`` the engine adds), so
it can be reviewed, diffed, tested with ``pytest DIR/tests`` or handed to a client.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pixel_desktop.cli.context import CliContext
from pixel_desktop.codegen import render_project, write_files
from pixel_desktop.errors import InputError
from pixel_desktop.spec import load_spec_file


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


def cmd_generate(args: argparse.Namespace, ctx: CliContext) -> int:
    if bool(args.slug) == bool(args.spec):
        raise InputError("Give either a project SLUG or --spec FILE (exactly one).")
    if args.spec:
        spec = load_spec_file(Path(args.spec))
        project_id = None
    else:
        record = ctx.store.projects.get(args.slug)
        spec, project_id = record.spec, record.id
    dest = Path(args.output)
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} exists and is not a folder; choose another --output.")
    if dest.is_dir() and any(dest.iterdir()) and not args.force:
        raise InputError(
            f"{dest} is not empty.", hint="Choose an empty folder, or pass --force to overwrite files in it."
        )
    files = render_project(
        spec,
        args.template or spec.template,
        base_image=ctx.settings.effective_base_image(),
        project_id=project_id,
    )
    write_files(files, dest)
    print(
        f"Generated {len(files)} files for {spec.project_slug} in {dest}. "
        f"Test it: pip install -r {dest / 'requirements.txt'} pytest httpx && pytest {dest / 'tests'}",
        file=sys.stderr,
    )
    return 0
