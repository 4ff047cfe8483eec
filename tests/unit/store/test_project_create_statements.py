"""Creating a project is one INSERT when its client and template are stored already (every
statement is a round trip on PostgreSQL); a new client or template is still upserted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from pixel_desktop.spec import ProjectSpec
from pixel_desktop.store import Store


def test_a_project_of_a_known_client_and_template_is_one_statement(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        first = store.projects.create(ProjectSpec(name="First", client="Acme"))
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (connection.py)
                statements.append(statement)

        event.listen(store.engine, "before_cursor_execute", seen)
        second = store.projects.create(ProjectSpec(name="Second", client="Acme"))
        event.remove(store.engine, "before_cursor_execute", seen)
        assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT")
        assert second.id > first.id
        assert store.projects.get("second") == second


def test_a_new_client_is_upserted_and_the_record_names_it(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.projects.create(ProjectSpec(name="First", client="Acme"))
        made = store.projects.create(ProjectSpec(name="Other", client="Globex"))
        assert (made.client, made.template, made.version) == ("Globex", "faq-assistant", 1)
        assert store.projects.get("other") == made
        assert [p.client for p in store.projects.list()] == ["Acme", "Globex"]


def test_a_batch_is_one_transaction_with_one_insert_for_all_its_projects(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.projects.create(ProjectSpec(name="First", client="Acme"))
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement.lstrip().split()[0].upper())

        event.listen(store.engine, "before_cursor_execute", seen)
        made = store.projects.create_many([ProjectSpec(name=f"Bot {i}", client="Acme") for i in range(50)])
        event.remove(store.engine, "before_cursor_execute", seen)
        # BEGIN, the client and template lookups, one INSERT of the 50 rows.
        assert statements == ["BEGIN", "SELECT", "SELECT", "INSERT"]
        assert [r.slug for r in made if not isinstance(r, Exception)] == [f"bot-{i}" for i in range(50)]
        assert store.projects.count() == 51
