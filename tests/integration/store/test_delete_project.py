"""Deleting a project removes its builds' workspaces and log files too (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.cleanup import delete_project
from pixel_desktop.errors import NotFoundError
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store


def _project(store: Store, name: str) -> int:
    return store.projects.create(
        spec_from_data({"spec_version": 1, "name": name, "client": "Acme"})
    ).id


def _leave_files(build_id: int) -> tuple[Path, Path]:
    workspace = paths.workspaces_dir() / f"build-{build_id}"
    (workspace / "data").mkdir(parents=True)
    (workspace / "data" / "faq.md").write_text("client data\n")
    log = paths.build_logs_dir() / f"{build_id}.log"
    log.write_text("step 1\n")
    return workspace, log


def test_deleting_a_project_removes_its_workspaces_and_logs_and_keeps_others(
    store: Store,
) -> None:
    gone, kept = _project(store, "Gone Bot"), _project(store, "Kept Bot")
    gone_builds = [store.builds.create(gone).id for _ in range(2)]
    kept_build = store.builds.create(kept).id
    gone_files = [f for b in gone_builds for f in _leave_files(b)]
    kept_files = _leave_files(kept_build)

    result = delete_project(store, "gone-bot")

    assert result.build_ids == tuple(gone_builds)
    assert result.problems == ()
    assert not [f for f in gone_files if f.exists()]
    assert set(result.removed) == set(gone_files)
    assert all(f.exists() for f in kept_files)
    with pytest.raises(NotFoundError):
        store.projects.get("gone-bot")
    assert store.builds.get(kept_build).project_slug == "kept-bot"


def test_a_symlinked_workspace_is_unlinked_without_touching_its_target(
    store: Store, tmp_path: Path
) -> None:
    pid = _project(store, "Linked")
    build_id = store.builds.create(pid).id
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "precious.txt").write_text("not pixel's")
    os.symlink(outside, paths.workspaces_dir() / f"build-{build_id}")

    result = delete_project(store, "linked")

    assert not (paths.workspaces_dir() / f"build-{build_id}").is_symlink()
    assert (outside / "precious.txt").read_text() == "not pixel's"
    assert result.problems == ()


def test_deleting_an_unknown_project_is_not_found_and_removes_nothing(store: Store) -> None:
    pid = _project(store, "Other")
    build_id = store.builds.create(pid).id
    files = _leave_files(build_id)
    with pytest.raises(NotFoundError, match="no-such"):
        delete_project(store, "no-such")
    assert all(f.exists() for f in files)


def test_a_file_that_cannot_be_removed_is_reported_and_the_project_is_still_deleted(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _project(store, "Stuck")
    build_id = store.builds.create(pid).id
    workspace, log = _leave_files(build_id)

    def refuse(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("pixel_desktop.cleanup.shutil.rmtree", refuse)
    result = delete_project(store, "stuck")

    assert workspace.exists() and not log.exists()
    assert len(result.problems) == 1 and str(workspace) in result.problems[0]
    assert "Permission denied" in result.problems[0]
    with pytest.raises(NotFoundError):
        store.projects.get("stuck")
