"""Importing many spec files: the good ones are stored, each bad one is named with its
problem, and the store is written in batches without losing what a batch committed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App
from pixel_desktop.errors import AlreadyExistsError, SpecError, StoreError


def _spec(folder: Path, name: str, text: str | None = None) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text or f"name: {name}\nclient: Client {name[-1]}\n", encoding="utf-8")
    return path


def test_a_batch_with_one_bad_file_stores_the_good_ones_and_names_the_bad_one(
    app: App, tmp_path: Path
) -> None:
    first = _spec(tmp_path, "bot-a")
    bad = _spec(tmp_path, "bad", "name: Bot\nclient: C\ndeployment:\n  port: 99999\n")
    last = _spec(tmp_path, "bot-b")
    outcomes = list(app.projects.import_files([first, bad, last]))
    assert [o.source for o in outcomes] == [str(first), str(bad), str(last)]
    assert [o.record.slug if o.record else None for o in outcomes] == ["bot-a", None, "bot-b"]
    assert isinstance(outcomes[1].error, SpecError)
    assert outcomes[1].problem is not None
    assert outcomes[1].problem.startswith(f"{bad}: line 4: deployment.port")
    assert sorted(p.slug for p in app.projects.list()) == ["bot-a", "bot-b"]
    stored = app.projects.get("bot-a")
    assert (stored.id, stored.client) == (outcomes[0].record.id, "Client a")  # type: ignore[union-attr]


def test_missing_files_unknown_templates_and_taken_slugs_are_each_named(
    app: App, tmp_path: Path
) -> None:
    app.projects.import_file(_spec(tmp_path, "taken"))
    files = [
        tmp_path / "missing.yaml",
        _spec(tmp_path, "odd", "name: Odd\nclient: C\ntemplate: no-such-set\n"),
        tmp_path / "taken.yaml",
        _spec(tmp_path, "fine"),
        _spec(tmp_path, "again", "name: Fine\nclient: C\n"),  # the slug of the file before
    ]
    outcomes = list(app.projects.import_files(files))
    problems = [o.problem for o in outcomes]
    assert problems[0] == f"{files[0]}: no such file"
    assert problems[1] is not None and problems[1].startswith(f"{files[1]}: ") and "no-such-set" in problems[1]
    assert problems[2] == f"{files[2]}: A project with slug 'taken' already exists."
    assert isinstance(outcomes[2].error, AlreadyExistsError)
    assert problems[3] is None and outcomes[3].record is not None
    assert problems[4] == f"{files[4]}: A project with slug 'fine' already exists."
    assert sorted(p.slug for p in app.projects.list()) == ["fine", "taken"]
    assert app.projects.get("fine").name == "fine"  # the first file with the slug won


def test_outcomes_keep_file_order_across_batches(app: App, tmp_path: Path) -> None:
    files = [_spec(tmp_path, f"bot-{i}") for i in range(7)]
    files.insert(3, _spec(tmp_path, "broken", "name: [\n"))
    outcomes = list(app.projects.import_files(files, batch=3))
    assert [o.source for o in outcomes] == [str(f) for f in files]
    assert [o.record.slug if o.record else None for o in outcomes] == [
        "bot-0", "bot-1", "bot-2", None, "bot-3", "bot-4", "bot-5", "bot-6"
    ]
    assert app.projects.count() == 7


def test_replace_overwrites_existing_projects_and_creates_new_ones(app: App, tmp_path: Path) -> None:
    app.projects.import_file(_spec(tmp_path, "bot-a"))
    changed = _spec(tmp_path, "bot-a", "name: bot-a\nclient: Other\n")
    outcomes = list(app.projects.import_files([changed, _spec(tmp_path, "bot-b")], replace=True))
    assert [o.error for o in outcomes] == [None, None]
    assert app.projects.get("bot-a").client == "Other"
    assert app.projects.get("bot-a").version == 2
    assert app.projects.count() == 2


def test_a_store_failure_keeps_the_batches_already_committed(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [_spec(tmp_path, f"bot-{i}") for i in range(4)]
    projects = app.context.store.projects
    real = type(projects).create_many
    calls = 0

    def fail_second_batch(self: object, specs: list[object]) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise StoreError("The store failed: disk I/O error.")
        return real(self, specs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(projects), "create_many", fail_second_batch)
    seen = []
    with pytest.raises(StoreError):
        for outcome in app.projects.import_files(files, batch=2):
            seen.append(outcome.record.slug if outcome.record else None)
    assert seen == ["bot-0", "bot-1"]
    assert sorted(p.slug for p in app.projects.list()) == ["bot-0", "bot-1"]
