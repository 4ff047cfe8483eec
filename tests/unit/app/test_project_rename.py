"""Renaming a project's slug: what follows it, what is refused, and the CLI command."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App
from pixel_desktop.errors import AlreadyExistsError, ConflictError, InputError, NotFoundError

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def _sample(app: App) -> str:
    return app.projects.import_file(SAMPLE).slug


def test_a_renamed_project_is_found_by_its_new_slug_only(app: App) -> None:
    old = _sample(app)
    before = app.projects.get(old)
    renamed = app.projects.rename(old, "acme-help")
    assert renamed.slug == "acme-help" and renamed.spec.project_slug == "acme-help"
    assert renamed.id == before.id and renamed.version == before.version + 1
    assert app.projects.get("acme-help").spec.training_data.faq == before.spec.training_data.faq
    with pytest.raises(NotFoundError):
        app.projects.get(old)


def test_secret_values_follow_the_renamed_project(app: App) -> None:
    old = _sample(app)
    app.projects.set_secret(app.projects.get(old), "LLM_API_KEY", "s3cret")
    renamed = app.projects.rename(old, "acme-help")
    assert renamed.secrets_key == app.projects.get("acme-help").secrets_key
    assert app.projects.has_secret(renamed, "LLM_API_KEY")


def test_a_malformed_slug_is_refused_with_the_rule_and_nothing_changes(app: App) -> None:
    old = _sample(app)
    for bad in ("Acme Help", "-acme", "", "a" * 64, "acme_help"):
        with pytest.raises(InputError) as err:
            app.projects.rename(old, bad)
        assert "a-z, 0-9 and '-'" in str(err.value)
    assert app.projects.get(old).version == 1


def test_a_taken_slug_is_refused(app: App) -> None:
    old = _sample(app)
    app.projects.create_new("Other Bot", "Other Corp", "other-bot")
    with pytest.raises(AlreadyExistsError) as err:
        app.projects.rename(old, "other-bot")
    assert "other-bot" in str(err.value)
    assert app.projects.get(old).version == 1


def test_rename_against_an_outdated_version_is_a_conflict(app: App) -> None:
    old = _sample(app)
    record = app.projects.get(old)
    app.projects.overwrite(old, record.spec)  # someone else saved meanwhile
    with pytest.raises(ConflictError):
        app.projects.rename(old, "acme-help", expected_version=record.version)
    assert app.projects.get(old).version == 2


def test_renaming_to_the_same_slug_changes_nothing(app: App) -> None:
    old = _sample(app)
    assert app.projects.rename(old, old).version == 1


def test_a_new_project_takes_the_slug_chosen_at_creation(app: App) -> None:
    record = app.projects.create_new("Acme Support Bot", "Acme Corp", "acme-desk")
    assert record.slug == "acme-desk"
    assert app.projects.create_new("Acme Support Bot", "Acme Corp").slug == "acme-support-bot"


def test_pixel_projects_rename_prints_the_new_slug(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from pixel_desktop.cli.projects import cmd_rename

    old = _sample(app)
    assert cmd_rename(argparse.Namespace(old=old, new="acme-help"), app) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "acme-help"
    assert f"Renamed {old} to acme-help" in err


def _deployed(app: App, slug: str, *statuses: str, target: str = "box") -> int:
    """Deployment records of ``slug`` on ``target``, oldest first; the newest's id."""
    project = app.projects.get(slug)
    ids = [app.context.store.deployments.create(project.id, target, "img:1", status=s).id for s in statuses]
    return ids[-1]


def test_a_deployed_project_is_not_renamed_and_the_refusal_says_how_to_remove_it(app: App) -> None:
    slug = _sample(app)
    deployment = _deployed(app, slug, "healthy", "failed")  # the failed deploy left the first serving
    with pytest.raises(InputError) as refused:
        app.projects.rename(slug, "acme-help")
    message = str(refused.value)
    assert f"deployed on box (deployment {deployment - 1}, healthy)" in message
    assert f"`pixel deployments remove {slug} box`" in message and "Deploy tab › Remove" in message
    assert app.projects.get(slug).slug == slug  # nothing changed


def test_a_project_whose_deployments_were_removed_is_renamed(app: App) -> None:
    slug = _sample(app)
    _deployed(app, slug, "healthy", "stopped", "removed")
    assert app.projects.rename(slug, "acme-help").slug == "acme-help"


def test_a_deployed_project_is_not_deleted_so_its_container_is_never_orphaned(app: App) -> None:
    slug = _sample(app)
    _deployed(app, slug, "healthy", "removed")
    deployment = _deployed(app, slug, "stopped", target="edge")  # stopped: its container is kept
    with pytest.raises(InputError, match=rf"edge \(deployment {deployment}, stopped\)"):
        app.projects.delete(slug)
    assert app.projects.get(slug).slug == slug
    _deployed(app, slug, "removed", target="edge")
    app.projects.delete(slug)
    with pytest.raises(NotFoundError):
        app.projects.get(slug)
