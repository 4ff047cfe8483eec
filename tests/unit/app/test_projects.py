"""Project rules, proved once for every front end: spec, template, slug, export path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App
from pixel_desktop.errors import AlreadyExistsError, InputError, SpecError

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def test_an_unknown_template_is_refused_at_import_and_nothing_is_stored(
    app: App, tmp_path: Path
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: Bot\nclient: C\ntemplate: no-such-set\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        app.projects.import_file(spec)
    assert "no-such-set" in str(err.value)
    assert app.projects.count() == 0


def test_an_invalid_spec_names_the_field_and_line_and_never_opens_the_store(
    app: App, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bot\nclient: C\ndeployment:\n  port: 99999\n", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        app.projects.import_file(bad)
    assert "deployment.port" in str(err.value) and err.value.line == 4
    assert not app.context.store_is_open


def test_an_existing_slug_is_refused_unless_replaced(app: App) -> None:
    app.projects.import_file(SAMPLE)
    with pytest.raises(AlreadyExistsError) as err:
        app.projects.import_file(SAMPLE)
    assert err.value.message == "A project with slug 'acme-support-bot' already exists."
    assert app.projects.import_file(SAMPLE, replace=True).slug == "acme-support-bot"
    assert app.projects.count() == 1


def test_a_new_project_without_a_name_is_a_spec_error_naming_the_field(app: App) -> None:
    with pytest.raises(SpecError) as err:
        app.projects.create_new("", "Client")
    assert err.value.field == "name"
    assert app.projects.count() == 0


def test_a_new_project_is_created_with_its_slug(app: App) -> None:
    record = app.projects.create_new("Beta Bot", "Beta Inc")
    assert (record.slug, record.client) == ("beta-bot", "Beta Inc")


def test_exporting_onto_a_folder_is_refused_and_names_a_file_instead(
    app: App, tmp_path: Path
) -> None:
    app.projects.import_file(SAMPLE)
    with pytest.raises(InputError) as err:
        app.projects.export_file("acme-support-bot", tmp_path)
    assert "is a folder" in str(err.value)


def test_export_never_follows_a_planted_temp_file_link(app: App, tmp_path: Path) -> None:
    app.projects.import_file(SAMPLE)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    out = tmp_path / "out.yaml"
    (tmp_path / "out.yaml.tmp").symlink_to(victim)
    app.projects.export_file("acme-support-bot", out)
    assert victim.read_text(encoding="utf-8") == "keep"
    assert "acme-support-bot" in out.read_text(encoding="utf-8")


def test_an_update_to_an_unknown_template_is_refused(app: App) -> None:
    record = app.projects.import_file(SAMPLE)
    spec = record.spec.model_copy(update={"template": "no-such-set"})
    with pytest.raises(InputError):
        app.projects.update(record.slug, spec, record.version)
    assert app.projects.get(record.slug).version == record.version
