"""Delete a project together with what its builds left on disk.

Why not only the database: the cascade removes build rows, but each build also wrote a
workspace (``workspaces/build-<id>``, the full generated code and client data) and a log
file (``logs/builds/<id>.log``). Leaving those behind keeps a client's data on the laptop
after the user asked to delete it. The database goes first (it is the source of truth and
the delete is atomic); then the files, each path checked to stay inside its folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pixel_desktop import paths
from pixel_desktop.errors import InputError


@dataclass(frozen=True)
class DeletedProject:
    """What ``delete_project`` removed; ``problems`` lists files it could not remove."""

    slug: str
    build_ids: tuple[int, ...]
    removed: tuple[Path, ...] = ()
    problems: tuple[str, ...] = ()


def build_files(build_id: int) -> list[tuple[Path, Path]]:
    """(root, path) of everything a build keeps on disk outside the store."""
    bid = int(build_id)
    return [
        (paths.workspaces_dir(), Path(f"build-{bid}")),
        (paths.build_logs_dir(), Path(f"{bid}.log")),
        (paths.home() / "cancel-requests", Path(str(bid))),
    ]


def remove_build_files(build_id: int) -> tuple[list[Path], list[str]]:
    """Remove a build's workspace, log file and cancel flag; never follows a symlink out."""
    removed: list[Path] = []
    problems: list[str] = []
    for root, name in build_files(build_id):
        candidate = root / name
        if not candidate.exists() and not candidate.is_symlink():
            continue
        try:
            if candidate.is_symlink():
                # Unlink the link itself (its name comes from an int, so it sits in root);
                # its target may be anywhere and is not ours to delete.
                candidate.unlink()
            else:
                target = paths.ensure_inside(root, name)
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink()
        except (OSError, InputError) as exc:
            problems.append(f"{candidate}: {exc}")
            continue
        removed.append(candidate)
    return removed, problems


def delete_project(store: Any, slug: str) -> DeletedProject:
    """Delete project ``slug`` (builds, logs, artifacts, deployments cascade in the store),
    then its builds' workspaces and log files.

    Raises NotFoundError (from the store) when no project has that slug. Files that cannot
    be removed do not undo the delete; they are listed in ``problems`` so the caller can
    tell the user which paths to remove by hand.
    """
    build_ids = tuple(store.projects.delete(slug) or ())
    removed: list[Path] = []
    problems: list[str] = []
    for build_id in build_ids:
        done, failed = remove_build_files(build_id)
        removed += done
        problems += failed
    return DeletedProject(slug, build_ids, tuple(removed), tuple(problems))
