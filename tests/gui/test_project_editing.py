"""Creating, editing, validating and saving projects through the window, on a real store."""

from __future__ import annotations

from pixel_desktop.store import Store


def _store_version(services, slug: str) -> int:
    return services.store.projects.get(slug).version


def test_first_run_imports_the_sample_into_an_empty_store(services) -> None:
    records = services.list_projects()
    assert [r.slug for r in records] == ["acme-support-bot"]
    assert services.import_sample_if_empty() is None  # not twice


def test_projects_are_listed_grouped_by_client(qtbot, window) -> None:
    window.create_project("Zeta Helper", "Zeta GmbH")
    qtbot.waitUntil(lambda: window.project_tree.topLevelItemCount() == 2, timeout=10_000)
    clients = [window.project_tree.topLevelItem(i).text(0) for i in range(2)]
    assert clients == ["Acme Corp", "Zeta GmbH"]
    assert window.project_tree.topLevelItem(1).child(0).text(0) == "Zeta Helper"


def test_create_project_adds_it_to_the_store_and_selects_it(qtbot, window, services) -> None:
    window.create_project("Beta Bot", "Beta Inc")
    qtbot.waitUntil(
        lambda: window.record is not None and window.record.slug == "beta-bot", timeout=10_000
    )
    assert services.store.projects.get("beta-bot").client == "Beta Inc"
    assert window.editor.name_edit.text() == "Beta Bot"


def test_search_filters_the_project_list(qtbot, window) -> None:
    window.create_project("Beta Bot", "Beta Inc")
    qtbot.waitUntil(lambda: window.project_tree.topLevelItemCount() == 2, timeout=10_000)
    window.search_edit.setText("beta")
    qtbot.waitUntil(lambda: window.project_tree.topLevelItemCount() == 1, timeout=10_000)
    assert window.project_tree.topLevelItem(0).text(0) == "Beta Inc"


def test_edit_and_save_persists_every_kind_of_field(qtbot, window, services) -> None:
    editor = window.editor
    editor.greeting_edit.setText("Hello from the test!")
    editor.faq_table.add_row()
    row = editor.faq_table.table.rowCount() - 1
    editor.faq_table.table.item(row, 0).setText("Do you have a shop in Berlin?")
    editor.faq_table.table.item(row, 1).setText("Yes, at Alexanderplatz.")
    editor.port_spin.setValue(8088)
    editor.env_table.add_row()
    env_row = editor.env_table.table.rowCount() - 1
    editor.env_table.table.item(env_row, 0).setText("REGION")
    editor.env_table.table.item(env_row, 1).setText("eu")
    assert editor.dirty
    window.save()
    qtbot.waitUntil(lambda: _store_version(services, "acme-support-bot") == 2, timeout=10_000)
    spec = services.store.projects.get("acme-support-bot").spec
    assert spec.personality.greeting == "Hello from the test!"
    assert spec.training_data.faq[-1].answer == "Yes, at Alexanderplatz."
    assert spec.deployment.port == 8088
    assert spec.deployment.env_vars["REGION"] == "eu"
    qtbot.waitUntil(lambda: not window.editor.dirty and window.record.version == 2, timeout=10_000)


def test_faq_rows_reorder_and_import_from_csv(qtbot, window) -> None:
    table = window.editor.faq_table
    first = table.rows()[0]["question"]
    second = table.rows()[1]["question"]
    table.table.setCurrentCell(0, 0)
    table.move_current(1)
    assert [r["question"] for r in table.rows()[:2]] == [second, first]
    before = len(table.rows())
    added = table.import_csv_text('question,answer\n"Is it, really?",Yes\nOpen on Sunday?,No\n')
    assert added == 2
    assert table.rows()[-2] == {"question": "Is it, really?", "answer": "Yes", "questions": []}
    assert len(table.rows()) == before + 2
    spec = window.editor.current_spec()
    assert spec.training_data.faq[-1].question == "Open on Sunday?"


def test_invalid_field_is_shown_inline_and_blocks_saving(qtbot, window, services) -> None:
    editor = window.editor
    editor.port_spin.setValue(80)
    editor.validate()
    assert editor.error_label.isVisible() or not editor.error_label.isHidden()
    assert "Port must be at least 1024" in editor.error_label.text()
    assert "border" in editor.port_spin.styleSheet()
    window.save()
    assert "Port must be at least 1024" in window.banner.text()
    assert editor.stack.currentIndex() == editor._section_index["deployment"]
    assert _store_version(services, "acme-support-bot") == 1


def test_invalid_table_cell_highlights_its_row(qtbot, window) -> None:
    editor = window.editor
    editor.faq_table.table.item(2, 1).setText("   ")
    editor.validate()
    assert "FAQ row 3, answer must not be empty" in editor.error_label.text()
    assert editor.faq_table.table.currentRow() == 2
    editor.faq_table.table.item(2, 1).setText("Fixed answer.")
    editor.validate()
    assert editor.error_label.isHidden()


def test_conflict_overwrite_keeps_my_edit(qtbot, window, services, store_url) -> None:
    with Store.open(store_url) as other:
        theirs = other.projects.get("acme-support-bot")
        other.projects.update(
            "acme-support-bot",
            theirs.spec.model_copy(update={"description": "theirs"}),
            theirs.version,
        )
    choices: list[str] = []
    window.conflict_chooser = lambda message: choices.append(message) or "overwrite"
    window.editor.description_edit.setPlainText("mine")
    window.save()
    qtbot.waitUntil(lambda: _store_version(services, "acme-support-bot") == 3, timeout=10_000)
    assert len(choices) == 1
    assert services.store.projects.get("acme-support-bot").spec.description == "mine"


def test_conflict_reload_discards_my_edit(qtbot, window, services, store_url) -> None:
    with Store.open(store_url) as other:
        theirs = other.projects.get("acme-support-bot")
        other.projects.update(
            "acme-support-bot",
            theirs.spec.model_copy(update={"description": "theirs"}),
            theirs.version,
        )
    window.conflict_chooser = lambda message: "reload"
    window.editor.description_edit.setPlainText("mine")
    window.save()
    qtbot.waitUntil(
        lambda: window.editor.description_edit.toPlainText() == "theirs", timeout=10_000
    )
    assert not window.editor.dirty
    assert window.record.version == 2
    assert services.store.projects.get("acme-support-bot").spec.description == "theirs"


def test_export_then_import_round_trips_the_spec(qtbot, window, services, tmp_path) -> None:
    path = tmp_path / "acme.yaml"
    window.tasks.run(lambda: services.export_spec("acme-support-bot", path))
    qtbot.waitUntil(path.exists, timeout=10_000)
    text = (
        path.read_text(encoding="utf-8")
        .replace("acme-support-bot", "acme-copy")
        .replace("name: Acme Support Bot", "name: Acme Copy")
    )
    copy = tmp_path / "copy.yaml"
    copy.write_text(text, encoding="utf-8")
    window.import_file(copy)
    qtbot.waitUntil(
        lambda: window.record is not None and window.record.slug == "acme-copy", timeout=10_000
    )
    assert services.store.projects.get("acme-copy").spec.training_data == (
        services.store.projects.get("acme-support-bot").spec.training_data
    )
