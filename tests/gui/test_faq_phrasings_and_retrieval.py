"""Editing FAQ alternative phrasings and the retrieval mode in the project editor, on a real store."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt

from pixel_desktop.spec.yaml_io import spec_to_data


def _store_version(services, slug: str) -> int:
    return services.store.projects.get(slug).version


def _select_faq_row(window, row: int):
    editor = window.editor
    editor.show_section("faq")
    editor.faq_table.table.setCurrentCell(row, 0)
    return editor.faq_table


def test_phrasings_typed_one_per_line_are_saved_exactly_as_typed(qtbot, window, services) -> None:
    table = _select_faq_row(window, 0)
    edit = table.detail_edit
    assert edit.isEnabled() and edit.toPlainText() == ""
    qtbot.keyClicks(edit, "I forgot my password, what now?")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "  reset | login, please\t")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # Qt's soft line break
    edit.insertPlainText("no\u00a0break space")
    assert window.editor.dirty
    window.save()
    qtbot.waitUntil(lambda: _store_version(services, "acme-support-bot") == 2, timeout=10_000)
    entry = services.store.projects.get("acme-support-bot").spec.training_data.faq[0]
    assert entry.questions == [
        "I forgot my password, what now?",
        "  reset | login, please\t",
        "no\u00a0break space",
    ]
    # After the save the form shows the stored phrasings again, one per line.
    qtbot.waitUntil(lambda: window.record.version == 2 and not window.editor.dirty, timeout=10_000)
    _select_faq_row(window, 0)
    assert table.detail_edit.document().toRawText().split("\u2029") == entry.questions


def test_the_form_gives_back_every_loaded_phrasing_and_the_retrieval_mode_unchanged(window) -> None:
    editor = window.editor
    spec = window.record.spec
    faq = list(spec.training_data.faq)
    faq[0] = faq[0].model_copy(
        update={"questions": ["  padded  ", "no\u00a0break", "tab\there", "a | b, c; d", "zero\u200bwidth", "🤖 emoji"]}
    )
    faq[1] = faq[1].model_copy(update={"questions": ["Only one?"]})
    changed = spec.model_validate(
        {**spec_to_data(spec), "retrieval": "lexical", "training_data": {**spec_to_data(spec)["training_data"], "faq": [f.model_dump() for f in faq]}}
    )
    editor.load(SimpleNamespace(slug=changed.project_slug, version=7, id=window.record.id, spec=changed))
    assert editor.retrieval_combo.currentText() == "Lexical (smallest image)"
    assert editor.current_spec() == changed
    assert spec_to_data(editor.current_spec()) == spec_to_data(changed)


def test_blank_lines_between_phrasings_are_named_not_silently_saved(qtbot, window) -> None:
    table = _select_faq_row(window, 1)
    table.detail_edit.setPlainText("Where is my parcel?\n\n   \nParcel status?\n")
    assert table.rows()[1]["questions"] == ["Where is my parcel?", "Parcel status?"]
    assert table.detail_note.isVisibleTo(table)
    assert "Lines 2 and 3 are blank and are not saved" in table.detail_note.text()
    # What the user typed stays in the box until they change it.
    assert table.detail_edit.toPlainText() == "Where is my parcel?\n\n   \nParcel status?\n"
    table.detail_edit.setPlainText("Where is my parcel?\nParcel status?\n")  # a final newline is no blank line
    assert not table.detail_note.isVisibleTo(table)
    assert window.editor.current_spec().training_data.faq[1].questions == ["Where is my parcel?", "Parcel status?"]


def test_a_repeated_phrasing_is_shown_inline_and_blocks_saving(qtbot, window, services) -> None:
    editor = window.editor
    table = _select_faq_row(window, 2)
    question = table.rows()[2]["question"]
    table.detail_edit.setPlainText(f"Something else?\n{question.upper()}")
    editor.validate()
    message = editor.error_label.text()
    assert "FAQ row 3, other phrasings" in message and "repeats the question" in message
    assert "border" in table.detail_edit.styleSheet()
    assert table.table.currentRow() == 2
    window.save()
    assert "FAQ row 3, other phrasings" in window.banner.text()
    assert editor.stack.currentIndex() == editor._section_index["faq"]
    assert _store_version(services, "acme-support-bot") == 1
    table.detail_edit.setPlainText("Something else?")
    editor.validate()
    assert editor.error_label.isHidden()
    assert table.detail_edit.styleSheet() == ""


def test_a_phrasing_over_the_length_limit_marks_its_row(window) -> None:
    editor = window.editor
    table = _select_faq_row(window, 3)
    table.detail_edit.setPlainText("ok?\n" + "x" * 5_001)
    editor.validate()
    assert "FAQ row 4, other phrasing 2" in editor.error_label.text()
    assert "5000 characters" in editor.error_label.text()
    assert table.table.currentRow() == 3 and "border" in table.detail_edit.styleSheet()


def test_moving_a_row_keeps_its_phrasings_text_as_typed(window) -> None:
    table = _select_faq_row(window, 0)
    table.detail_edit.setPlainText("First?\n\nSecond?")
    table.move_current(1)
    assert table.table.currentRow() == 1
    assert table.detail_edit.toPlainText() == "First?\n\nSecond?"
    assert table.rows()[1]["questions"] == ["First?", "Second?"]
    assert table.rows()[0]["questions"] == []


def test_retrieval_mode_defaults_to_semantic_and_lexical_is_saved(qtbot, window, services) -> None:
    editor = window.editor
    assert [editor.retrieval_combo.itemText(i) for i in range(editor.retrieval_combo.count())] == [
        "Semantic (default)",
        "Lexical (smallest image)",
    ]
    assert editor.retrieval_combo.currentData() == "semantic"
    editor.retrieval_combo.setCurrentIndex(editor.retrieval_combo.findData("lexical"))
    assert editor.dirty
    window.save()
    qtbot.waitUntil(lambda: _store_version(services, "acme-support-bot") == 2, timeout=10_000)
    assert services.store.projects.get("acme-support-bot").spec.retrieval == "lexical"
    qtbot.waitUntil(lambda: window.record.version == 2 and not editor.dirty, timeout=10_000)
    assert editor.retrieval_combo.currentText() == "Lexical (smallest image)"


def test_a_new_project_starts_with_semantic_retrieval(qtbot, window, services) -> None:
    window.create_project("Gamma Bot", "Gamma AG")
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == "gamma-bot", timeout=10_000)
    assert services.store.projects.get("gamma-bot").spec.retrieval == "semantic"
    assert window.editor.retrieval_combo.currentText() == "Semantic (default)"


def test_csv_rows_with_the_same_answer_become_one_entry_with_other_phrasings(qtbot, window) -> None:
    table = window.editor.faq_table
    before = len(table.rows())
    added = table.import_csv_text(
        "question,answer\n"
        "How can I pay my bill?,\"You can pay by direct debit, bank transfer, or card.\"\n"
        "By what date must I pay?,Within 14 days of the invoice date.\n"
        "What payment methods do you accept?,\"You can pay by direct debit, bank transfer, or card.\"\n"
        "how can I pay my  bill?,\"You can pay by direct debit, bank transfer, or card.\"\n"
        "Can I pay by card?,\"You can pay by direct debit, bank transfer, or card.\"\n"
    )
    assert added == 2
    rows = table.rows()
    assert len(rows) == before + 2
    assert rows[-2] == {
        "question": "How can I pay my bill?",
        "answer": "You can pay by direct debit, bank transfer, or card.",
        "questions": ["What payment methods do you accept?", "Can I pay by card?"],
    }
    assert rows[-1]["questions"] == []
    assert table.last_import_note.startswith("5 row(s) became 2 FAQ entries")
    assert "1 phrasing(s) already in their entry" in table.last_import_note
    spec = window.editor.current_spec()
    assert spec.training_data.faq[-2].questions == ["What payment methods do you accept?", "Can I pay by card?"]
    # The grouped entry shows its phrasings one per line when selected.
    table.table.setCurrentCell(len(rows) - 2, 0)
    assert table.detail_edit.toPlainText() == "What payment methods do you accept?\nCan I pay by card?"


def test_csv_with_a_questions_column_adds_each_line_as_a_phrasing(window) -> None:
    table = window.editor.faq_table
    added = table.import_csv_text('question,questions,answer\nOpen on Sunday?,"Sunday hours?\nAre you open Sundays?",No.\n')
    assert added == 1
    assert table.rows()[-1] == {"question": "Open on Sunday?", "answer": "No.", "questions": ["Sunday hours?", "Are you open Sundays?"]}
