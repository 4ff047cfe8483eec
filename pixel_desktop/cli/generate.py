"""`pixel generate SLUG -o DIR`: write the service generated for a project into a folder.

The folder is what a build would send to Docker (minus the ``wheels/`` the engine adds), so
it can be reviewed, diffed, tested with ``pytest DIR/tests`` or handed to a client.

Files are written into a private temp folder next to DIR and moved into place only when all
of them are written, so a refused or failed generate leaves DIR (and its parent) as it was.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from pixel_desktop.cli.context import CliContext
from pixel_desktop.codegen import GeneratedFile, render_project, write_files
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
    _write_atomically(files, dest)
    print(
        f"Generated {len(files)} files for {spec.project_slug} in {dest}. "
        f"Test it: pip install -r {dest / 'requirements.txt'} pytest httpx && pytest {dest / 'tests'}",
        file=sys.stderr,
    )
    return 0


def _write_atomically(files: list[GeneratedFile], dest: Path) -> None:
    """Write ``files`` to ``dest`` all or nothing (see the module docstring).

    A new or empty ``dest`` is replaced by the finished temp folder in one rename; with
    ``--force`` into a folder that has files, the finished files are moved in one by one.
    """
    missing = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
    made_root = missing[-1] if missing else None  # the top folder this call creates
    tmp: Path | None = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".pixel-tmp", dir=dest.parent))
        write_files(files, tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output is an ordinary folder
        if dest.is_dir() and any(dest.iterdir()):  # --force: merge file by file
            for source in sorted(p for p in tmp.rglob("*") if not p.is_dir()):
                target = dest / source.relative_to(tmp)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        else:
            if dest.is_dir():
                dest.rmdir()
            os.rename(tmp, dest)
            tmp = None
    except InputError as exc:  # from write_files: name the output, not the temp folder
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        message = exc.message.replace(str(tmp), str(dest)) if tmp is not None else exc.message
        raise InputError(message, hint=exc.hint) from None
    except OSError as exc:
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        blocker = next((p for p in (dest.parent, *dest.parent.parents) if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a folder" if blocker is not None else (exc.strerror or str(exc))
        raise InputError(
            f"Cannot write {dest}: {reason}.",
            hint="Choose an --output folder you can write to.",
        ) from None
    except BaseException:
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        raise
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
