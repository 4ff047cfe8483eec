"""`pixel builds prune`: remove old build images and workspaces (keeps the newest N
completed builds per project and every image a deployment runs or may roll back to).

Registered under ``pixel builds`` by ``cli/builds.py``; thin over ``app.prune``.
"""

from __future__ import annotations

import argparse

from pixel_desktop.app import App
from pixel_desktop.cli.output import print_json


def register(bsub: argparse._SubParsersAction) -> None:
    prune = bsub.add_parser(
        "prune", help="remove old build images and workspaces (keeps deployed ones)"
    )
    prune.add_argument("slug", nargs="?", help="only builds of this project")
    prune.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="completed builds kept per project (default: the keep_builds_per_project setting)",
    )
    prune.add_argument("--dry-run", action="store_true", help="list what would go; remove nothing")
    prune.add_argument("--json", action="store_true")
    prune.set_defaults(func=cmd_prune)


def cmd_prune(args: argparse.Namespace, app: App) -> int:
    plan = app.prune.plan(args.keep, args.slug)
    if args.dry_run:
        if args.json:
            print_json(
                {
                    "keep": plan.keep,
                    "would_remove": [
                        {
                            "build_id": i.build_id,
                            "project": i.project_slug,
                            "image": i.image,
                            "workspace": str(i.workspace) if i.workspace else None,
                        }
                        for i in plan.items
                    ],
                    "kept_in_use": [{"build_id": b, "why": w} for b, w in plan.kept_in_use],
                }
            )
            return 0
        for item in plan.items:
            what = ", ".join(
                x for x in (item.image, str(item.workspace) if item.workspace else None) if x
            )
            print(f"would remove build {item.build_id} of {item.project_slug}: {what}")
        for build_id, why in plan.kept_in_use:
            print(f"keeps build {build_id}: {why}")
        print(f"{len(plan.items)} build(s) to prune, keeping {plan.keep} completed per project.")
        return 0
    result = app.prune.run(plan)
    if args.json:
        print_json(
            {
                "keep": plan.keep,
                "removed_images": result.removed_images,
                "removed_workspaces": [str(p) for p in result.removed_workspaces],
                "kept_in_use": [{"build_id": b, "why": w} for b, w in plan.kept_in_use],
                "kept_foreign": result.kept_foreign,
                "problems": result.problems,
            }
        )
    else:
        print(
            f"Removed {len(result.removed_images)} image(s) and "
            f"{len(result.removed_workspaces)} workspace(s); kept the newest {plan.keep} "
            f"completed build(s) per project"
            + (f" and {len(plan.kept_in_use)} a deployment uses." if plan.kept_in_use else ".")
        )
        for ref in result.kept_foreign:
            print(f"kept {ref}: it now names another image (another store's build?)")
        for problem in result.problems:
            print(f"not removed: {problem}")
    return 1 if result.problems else 0
