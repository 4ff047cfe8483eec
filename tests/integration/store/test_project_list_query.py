"""The list query (store.project_list) gives, on SQLite and on PostgreSQL, what the full
list gives for every field a list shows, in the same order and with the same search."""

from __future__ import annotations

from pixel_desktop.spec import ProjectSpec
from pixel_desktop.spec.model import FaqEntry, TrainingData
from pixel_desktop.store import Store

SHOWN = ("id", "slug", "name", "client", "template", "version", "updated_at")


def _spec(name: str, client: str, faq: int) -> ProjectSpec:
    entries = [FaqEntry(question=f"Question {i}?", answer=f"Answer {i}.") for i in range(faq)]
    return ProjectSpec(name=name, client=client, training_data=TrainingData(faq=entries))


def test_the_list_query_matches_the_full_list_on_both_backends(store: Store) -> None:
    for name, client, faq in [
        ("Support", "Acme", 3), ("Billing", "acme", 0), ("Zeta helper", "Beta", 1),
        ("Alpha helper", "beta", 2), ("Odd a/b 100% _x_", "Gamma", 5),
    ]:
        store.projects.create(_spec(name, client, faq))
    store.projects.update("support", _spec("Support", "Acme", 4), 1)
    for search in (None, "HELPER", "acme", "100%", "_", "a/b", "zzz"):
        full = store.projects.list(search)
        summaries = store.project_list.summaries(search, faq_entries=True)
        assert [tuple(getattr(s, f) for f in SHOWN) for s in summaries] == [
            tuple(getattr(r, f) for f in SHOWN) for r in full
        ], search
        assert [s.faq_entries for s in summaries] == [len(r.spec.training_data.faq) for r in full]
    assert all(s.updated_at is not None and s.updated_at.utcoffset() is not None
               for s in store.project_list.summaries())
