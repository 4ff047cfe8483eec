"""Delete a project together with what its builds left on disk and its keyring secrets.

Why not only the database: the cascade removes build rows, but each build also wrote a
workspace (``workspaces/build-<id>``, the full generated code and client data) and a log
file (``logs/builds/<id>.log``), and the project's secret env values live in the OS keyring.
Leaving those behind keeps a client's data on the laptop after the user asked to delete it.
The database goes first (it is the source of truth and the delete is atomic); then the
files, each path checked to stay inside its folder; then the secrets.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pixel_desktop import paths
from pixel_desktop.errors import InputError, PixelError

if TYPE_CHECKING:
    from pixel_desktop.secrets import SecretStore
    from pixel_desktop.store import Store


@dataclass(frozen=True)
class DeletedProject:
    """What ``delete_project`` removed; ``problems`` lists files it could not remove."""

    slug: str
    build_ids: tuple[int, ...]
    removed: tuple[Path, ...] = ()
    problems: tuple[str, ...] = ()
    secrets_deleted: tuple[str, ...] = ()  # names of the secret env values removed


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


def delete_project(store: Store, slug: str, secrets: SecretStore | None = None) -> DeletedProject:
    """Delete project ``slug`` (builds, logs, artifacts, deployments cascade in the store),
    then its builds' workspaces and log files, then its secret env values in the keyring.

    Raises NotFoundError (from the store) when no project has that slug. Files or secrets
    that cannot be removed do not undo the delete; they are listed in ``problems`` so the
    caller can tell the user what to remove by hand. ``secrets`` is a SecretStore (the OS
    keyring by default); it is only touched when the project names secret env values.
    """
    record = store.projects.get(slug)
    build_ids = tuple(store.projects.delete(slug) or ())
    removed: list[Path] = []
    problems: list[str] = []
    for build_id in build_ids:
        done, unremoved = remove_build_files(build_id)
        removed += done
        problems += unremoved
    names: tuple[str, ...] = ()
    try:
        names = tuple(record.spec.deployment.secret_env)
    except PixelError as exc:  # a stored spec that no longer validates: no names to go by
        problems.append(f"secret env names unreadable ({exc}); check the OS keyring by hand")
    deleted: list[str] = []
    if names:
        if secrets is None:
            from pixel_desktop.secrets import SecretStore

            secrets = SecretStore()
        try:
            deleted, failed = secrets.delete_project_secrets(record, names)
        except PixelError as exc:  # no usable keyring at all
            failed = {name: f"secret {name}: {exc}" for name in names}
        problems += failed.values()
    return DeletedProject(slug, build_ids, tuple(removed), tuple(problems), tuple(deleted))
