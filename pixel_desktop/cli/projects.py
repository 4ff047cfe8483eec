"""`pixel projects ...`: import, export, list, show and delete project specs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pixel_desktop.app import App
from pixel_desktop.app.projects import spec_size_limit
from pixel_desktop.cli.output import fmt_time, print_json, print_table, terminal_text
from pixel_desktop.errors import AlreadyExistsError, InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("projects", help="manage assistant projects")
    psub = parser.add_subparsers(dest="projects_command", metavar="ACTION", required=True)

    imp = psub.add_parser(
        "import",
        help="import project specs (YAML); prints each slug",
        description="Import project spec files (YAML) and print each project's slug. With "
        "several files, a bad one is reported (file and problem) and the others are still "
        "imported; the exit code is then that of the worst problem.",
    )
    imp.add_argument("file", nargs="*", help="spec files, or - for stdin")
    imp.add_argument(
        "--sample", action="store_true",
        help="import the sample project (Acme Support Bot) shipped with pixel instead of a file",
    )
    imp.add_argument("--replace", action="store_true", help="overwrite a project with the same slug")
    imp.set_defaults(func=cmd_import)

    exp = psub.add_parser("export", help="export a project spec as YAML")
    exp.add_argument("slug")
    exp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    exp.set_defaults(func=cmd_export)

    lst = psub.add_parser("list", help="list projects")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--search", metavar="TEXT", help="only projects whose name/client/slug contains TEXT")
    lst.set_defaults(func=cmd_list)

    show = psub.add_parser("show", help="show one project")
    show.add_argument("slug")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)

    delete = psub.add_parser("delete", help="delete a project with its builds and deployments")
    delete.add_argument("slug")
    delete.set_defaults(func=cmd_delete)

    rename = psub.add_parser(
        "rename",
        help="change a project's slug (secrets, builds and deployments stay with it)",
        description="Change a project's slug. Secret values, builds and deployments stay "
        "with the project; the next build is tagged with the new slug, existing images keep theirs.",
    )
    rename.add_argument("old", metavar="OLD", help="the current slug")
    rename.add_argument("new", metavar="NEW", help="the new slug: a-z, 0-9 and '-'")
    rename.set_defaults(func=cmd_rename)

    from pixel_desktop.cli import project_secrets

    project_secrets.register(psub)


_REPLACE_HINT = "Use --replace to overwrite it, or change `slug` in the file."
# --sample has no file of the user's to edit: replacing resets the project to the sample.
_SAMPLE_REPLACE_HINT = (
    "The sample is imported already; `pixel projects import --sample --replace` resets it to the "
    "shipped sample (your edits to it are lost; `pixel projects export SLUG -o FILE` keeps a copy first)."
)


def cmd_import(args: argparse.Namespace, app: App) -> int:
    # Parsed and validated fully before the store is even opened: bad input writes nothing.
    if args.sample == bool(args.file):
        raise InputError(
            "Give a spec file (or - for stdin), or --sample, not both."
            if args.sample else "Give a spec file to import (or - for stdin), or --sample."
        )
    if len(args.file) > 1:
        if "-" in args.file:
            raise InputError("Give - (stdin) alone, not with spec files.")
        return _import_many([Path(f) for f in args.file], app, replace=args.replace)
    try:
        if args.sample:
            record = app.projects.import_sample(replace=args.replace)
        elif args.file == ["-"]:
            # Bounded like a file: an endless stdin is refused at the limit, not read to the end.
            text = sys.stdin.read(spec_size_limit() + 1)
            record = app.projects.import_text(text, source="<stdin>", replace=args.replace)
        else:
            record = app.projects.import_file(Path(args.file[0]), replace=args.replace)
    except AlreadyExistsError as exc:
        raise AlreadyExistsError(exc.message, hint=_SAMPLE_REPLACE_HINT if args.sample else _REPLACE_HINT) from None
    print(record.slug)
    return 0


def _import_many(files: list[Path], app: App, *, replace: bool) -> int:
    """Each stored slug on stdout as its batch commits, each bad file on stderr with its
    problem; the exit code of the worst problem (2 bad input, 1 failed), 0 if none."""
    failed: list[int] = []
    for outcome in app.projects.import_files(files, replace=replace):
        if outcome.record is not None:
            print(outcome.record.slug, flush=True)
            continue
        assert outcome.error is not None
        hint = _REPLACE_HINT if isinstance(outcome.error, AlreadyExistsError) else outcome.error.hint
        print(f"pixel: {outcome.problem}{f' {hint}' if hint else ''}", file=sys.stderr)
        failed.append(outcome.error.exit_code)
    if failed:
        print(f"pixel: {len(files) - len(failed)} of {len(files)} files imported; "
              f"{len(failed)} not (see above).", file=sys.stderr)
    return max(failed, default=0)


def cmd_export(args: argparse.Namespace, app: App) -> int:
    if args.output:
        app.projects.export_file(args.slug, Path(args.output))
    else:
        sys.stdout.write(app.projects.export_text(args.slug))
    return 0


def _phrasings(spec: Any) -> int:
    """Every question the FAQ answers, alternatives included: what retrieval actually indexes."""
    return sum(1 + len(entry.questions) for entry in spec.training_data.faq)


def _faq_count(spec: Any) -> str:
    entries, phrasings = len(spec.training_data.faq), _phrasings(spec)
    return str(entries) if phrasings == entries else f"{entries} ({phrasings} phrasings)"


def _summary(record: Any) -> dict[str, Any]:
    spec = record.spec
    return {
        "id": record.id,
        "slug": record.slug,
        "name": record.name,
        "client": record.client,
        "template": record.template,
        "version": record.version,
        "faq_entries": len(spec.training_data.faq),
        "faq_phrasings": _phrasings(spec),
        "retrieval": spec.retrieval,
        "documents": len(spec.training_data.documents),
        "business_rules": len(spec.business_rules),
        "tests": len(spec.tests),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def cmd_list(args: argparse.Namespace, app: App) -> int:
    if args.json:  # the JSON summary counts parts of every spec: the full records
        print_json([_summary(r) for r in app.projects.list(args.search)])
        return 0
    # The table needs no spec: the list query (the FAQ count is read in the database).
    records = app.projects.summaries(args.search, faq_entries=True)
    if not records and args.search:
        print(f"No projects match {args.search!r}.", file=sys.stderr)
        return 0
    if not records:
        print("No projects yet. Import the sample: pixel projects import --sample", file=sys.stderr)
        return 0
    print_table(
        ["slug", "name", "client", "template", "faq", "updated"],
        [
            (r.slug, r.name, r.client, r.template, r.faq_entries, fmt_time(r.updated_at))
            for r in records
        ],
    )
    return 0


def cmd_show(args: argparse.Namespace, app: App) -> int:
    record = app.projects.get(args.slug)
    if args.json:
        data = _summary(record)
        data["spec"] = app.projects.spec_data(record)
        print_json(data)
        return 0
    spec = record.spec
    rows = [
        ("Name", record.name),
        ("Slug", record.slug),
        ("Client", record.client),
        ("Template", record.template),
        ("Description", spec.description or "-"),
        ("Version", record.version),
        ("FAQ entries", _faq_count(spec)),
        ("Documents", len(spec.training_data.documents)),
        ("Business rules", ", ".join(r.name for r in spec.business_rules) or "-"),
        ("Retrieval", spec.retrieval),
        ("LLM", spec.llm.provider if spec.llm.provider == "none" else f"{spec.llm.model} at {spec.llm.base_url}"),
        ("Port", spec.deployment.port),
        ("Secret env", ", ".join(spec.deployment.secret_env) or "-"),
        ("Tests", len(spec.tests)),
        ("Updated", fmt_time(record.updated_at)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {terminal_text(value)}")
    return 0


def cmd_delete(args: argparse.Namespace, app: App) -> int:
    result = app.projects.delete(args.slug)
    for problem in result.problems:
        print(f"pixel: warning: {problem}", file=sys.stderr)
    builds = len(result.build_ids)
    secrets = len(result.secrets_deleted)
    also = f", {secrets} secret value{'s' if secrets != 1 else ''} from the OS keyring" if secrets else ""
    print(f"Deleted {args.slug} ({builds} build{'s' if builds != 1 else ''} with their logs and workspaces{also})", file=sys.stderr)
    return 0


def cmd_rename(args: argparse.Namespace, app: App) -> int:
    record = app.projects.rename(args.old, args.new)
    print(record.slug)
    print(
        f"Renamed {args.old} to {record.slug}; its secrets, builds and deployments stay with it. "
        "The next build is tagged with the new slug.",
        file=sys.stderr,
    )
    return 0
