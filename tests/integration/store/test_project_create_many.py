"""create_many stores a batch of projects in one transaction on SQLite and PostgreSQL; a
taken slug (stored before, or earlier in the batch) is that spec's error, not the batch's."""

from __future__ import annotations

from pixel_desktop.errors import AlreadyExistsError
from pixel_desktop.spec import ProjectSpec
from pixel_desktop.store import Store


def test_a_batch_stores_every_new_slug_and_names_each_taken_one(store: Store) -> None:
    store.projects.create(ProjectSpec(name="Taken", client="Acme"))
    results = store.projects.create_many([
        ProjectSpec(name="One", client="Acme"),
        ProjectSpec(name="Taken", client="Globex"),
        ProjectSpec(name="Two", client="New Client", template="new-set"),
        ProjectSpec(name="One", client="Other"),  # the slug of the first spec of the batch
    ])
    assert [type(r).__name__ for r in results] == [
        "ProjectRecord", "AlreadyExistsError", "ProjectRecord", "AlreadyExistsError"
    ]
    assert str(results[1]) == "A project with slug 'taken' already exists."
    assert isinstance(results[3], AlreadyExistsError) and "'one'" in str(results[3])
    one, two = results[0], results[2]
    assert not isinstance(one, Exception) and not isinstance(two, Exception)
    assert store.projects.get("one") == one and one.client == "Acme"
    assert store.projects.get("two") == two
    assert (two.client, two.template, two.version) == ("New Client", "new-set", 1)
    assert sorted(p.slug for p in store.projects.list()) == ["one", "taken", "two"]
    assert store.projects.get("taken").client == "Acme"  # the stored project is untouched


def test_records_of_a_batch_equal_what_the_store_reads_back(store: Store) -> None:
    specs = [ProjectSpec(name=f"Bot {i}", client=f"Client {i % 3}") for i in range(25)]
    results = store.projects.create_many(specs)
    assert len({r.id for r in results if not isinstance(r, Exception)}) == 25
    for spec, record in zip(specs, results, strict=True):
        assert not isinstance(record, Exception)
        assert store.projects.get(spec.project_slug) == record
        assert record.spec == spec
    assert store.projects.create_many([]) == []
