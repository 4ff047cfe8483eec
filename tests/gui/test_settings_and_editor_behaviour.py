"""Settings and the editor behave as users expect (issue 14, item 5): one test per bullet."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pixel_desktop import settings as settings_mod
from pixel_desktop.gui.new_project_dialog import NewProjectDialog, RenameProjectDialog
from pixel_desktop.gui.settings_dialog import SettingsDialog
from pixel_desktop.gui.tables import StringListEdit


def _dialog(qtbot, window, services) -> SettingsDialog:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    return dialog


# ---------------------------------------------------------------- Cancel discards everything
def test_cancel_on_settings_discards_registries_targets_and_fields_changed_in_the_dialog(
    qtbot, window, services
) -> None:
    services.save_registry("kept", "127.0.0.1:5009", None, None, True, existing=False)
    before = settings_mod.load().model_dump()
    dialog = _dialog(qtbot, window, services)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 1, timeout=10_000)
    dialog.apply_registry("added", "127.0.0.1:5010", "", "", True, existing=False)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 2, timeout=10_000)
    dialog.apply_registry("kept", "127.0.0.1:5999", "someone", "", False, existing=True)
    qtbot.waitUntil(lambda: "Saved registry kept" in dialog.registry_result.text(), timeout=10_000)
    dialog.target_name.setText("staging")
    dialog.target_host.setText("ssh://deploy@staging.example")
    dialog.add_target()
    qtbot.waitUntil(lambda: dialog.target_model.rowCount() == 1, timeout=10_000)
    row = next(r for r in range(2) if dialog.registry_model.index(r, 0).data() == "kept")
    dialog.registry_table.selectRow(row)
    dialog.remove_registry()
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 1, timeout=10_000)
    dialog.docker_edit.setText("unix:///run/other.sock")
    dialog.concurrency_spin.setText("5")

    dialog.reject()

    registries = services.list_registries()
    assert [(r.name, r.url, r.username, r.insecure) for r in registries] == [("kept", "127.0.0.1:5009", None, True)]
    assert services.list_targets() == []
    assert settings_mod.load().model_dump() == before


# ---------------------------------------------------------------- unreachable Docker host
def test_an_unreachable_docker_host_warns_on_save_and_applies_to_the_next_build_without_a_restart(
    qtbot, window, services, tmp_path
) -> None:
    dead = f"unix://{tmp_path / 'dead.sock'}"
    runner_settings = services.engine.settings  # what the next build reads its host from
    dialog = _dialog(qtbot, window, services)
    assert "no restart needed" in dialog.apply_note.text()
    questions: list[str] = []
    dialog.confirm_unreachable_host = lambda question: questions.append(question) or False
    dialog.docker_edit.setText(dead)
    dialog.save()
    qtbot.waitUntil(lambda: bool(questions), timeout=20_000)
    assert "dead.sock" in questions[0] and questions[0].endswith("Save this host anyway?")
    assert dialog.isVisible() or dialog.result() != dialog.DialogCode.Accepted
    assert "Not saved" in dialog.save_result.text()
    assert settings_mod.load().docker_host is None

    dialog.confirm_unreachable_host = lambda question: questions.append(question) or True
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=20_000)
    assert settings_mod.load().docker_host == dead
    assert runner_settings.docker_host == dead  # the running app's runner, no restart


# ---------------------------------------------------------------- numbers refused, not clamped
def test_out_of_range_numbers_are_refused_with_the_range_never_clamped(qtbot, window, services) -> None:
    dialog = _dialog(qtbot, window, services)
    dialog.concurrency_spin.setText("99")
    dialog.timeout_spin.setText("0")
    dialog.save()
    text = dialog.save_result.text()
    assert "Build concurrency must be at most 16" in text and "Build timeout must be at least 30" in text
    assert dialog.concurrency_spin.text() == "99" and dialog.timeout_spin.text() == "0"
    assert dialog.result() != dialog.DialogCode.Accepted
    assert settings_mod.load().build_concurrency == settings_mod.Settings().build_concurrency

    editor = window.editor
    editor.port_spin.setText("99999")
    editor.validate()
    assert editor.port_spin.text() == "99999"
    assert "Port must be at most 65535" in editor.error_label.text()
    editor.port_spin.setText("0")
    editor.validate()
    assert editor.port_spin.text() == "0"
    assert "Port must be at least 1024" in editor.error_label.text()
    editor.port_spin.setText("8000")
    editor.validate()
    assert editor.error_label.isHidden()


# ---------------------------------------------------------------- the slug
def test_new_project_dialog_prefills_the_slug_from_the_name_and_checks_it_live(qtbot) -> None:
    dialog = NewProjectDialog(taken={"acme-support-bot"})
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("Globex Help Desk")
    dialog.client_edit.setText("Globex")
    assert dialog.slug_edit.text() == "globex-help-desk" and dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.slug_edit, "X")  # typed by the user: no longer follows the name
    assert not dialog.ok_button.isEnabled()
    assert "a-z, 0-9 and '-'" in dialog.problem_label.text() and dialog.problem_label.isVisibleTo(dialog)
    dialog.slug_edit.setText("acme-support-bot")
    dialog._slug_edited("acme-support-bot")
    assert "already uses 'acme-support-bot'" in dialog.problem_label.text()
    dialog.slug_edit.setText("globex-desk")
    dialog._slug_edited("globex-desk")
    dialog.name_edit.setText("Globex Help Desk 2")
    assert dialog.slug() == "globex-desk" and dialog.ok_button.isEnabled()


def test_a_project_gets_the_slug_chosen_at_creation_and_is_renamed_after_confirmation(
    qtbot, window, services
) -> None:
    window.create_project("Globex Help Desk", "Globex", "globex-desk")
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == "globex-desk", timeout=15_000)
    editor = window.editor
    assert editor.slug_edit.text() == "globex-desk" and editor.rename_button.isEnabled()

    editor.ask_new_slug = lambda slug, client_slug: None  # the user cancels the confirmation
    editor.request_rename()
    window.tasks.wait_idle()
    assert services.get_project("globex-desk").version == 1

    asked: list[tuple[str, str]] = []
    editor.ask_new_slug = lambda slug, client_slug: asked.append((slug, client_slug)) or "globex-help"
    editor.request_rename()
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == "globex-help", timeout=15_000)
    assert asked == [("globex-desk", "globex")]
    assert editor.slug_edit.text() == "globex-help"
    assert [p.slug for p in services.list_projects("globex")] == ["globex-help"]


def test_the_rename_dialog_says_what_follows_and_refuses_a_bad_slug(qtbot) -> None:
    dialog = RenameProjectDialog("globex-desk", "globex", taken={"globex-desk", "other"})
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()  # unchanged
    dialog.slug_edit.setText("other")
    assert not dialog.ok_button.isEnabled() and "already uses 'other'" in dialog.problem_label.text()
    dialog.slug_edit.setText("Globex Help")
    assert not dialog.ok_button.isEnabled()
    dialog.slug_edit.setText("globex-help")
    assert dialog.ok_button.isEnabled()
    assert "Secret values, builds and deployments stay with the project" in dialog.effects.text()
    assert "pixel/globex/globex-help" in dialog.effects.text()


def test_rename_with_unsaved_edits_is_refused_and_keeps_them(qtbot, window, services) -> None:
    editor = window.editor
    editor.name_edit.setText("Acme Support Bot (draft)")
    editor.ask_new_slug = lambda slug, client_slug: "acme-help"
    editor.request_rename()
    assert "Save or discard your changes first" in window.banner.text()
    assert editor.name_edit.text() == "Acme Support Bot (draft)" and editor.dirty
    assert services.get_project("acme-support-bot").version == 1


# ---------------------------------------------------------------- messages written for people
def test_validation_lists_every_problem_in_words_with_rows_counted_from_one(qtbot, window) -> None:
    editor = window.editor
    faq = editor.faq_table
    last = faq.table.rowCount() - 1
    editor.name_edit.setText("")
    editor.client_edit.setText("")
    faq.table.item(last, 1).setText("")
    editor.validate()
    text = editor.error_label.text()
    assert "Name is empty" in text and "Client is empty" in text
    assert f"FAQ row {last + 1}, answer must not be empty" in text
    assert "more problem" not in text and "training_data" not in text and f"[{last}]" not in text
    assert "String should" not in text
    assert faq.table.currentRow() == last  # the first table problem's row is still marked

    window.create_project("", "")
    assert "Name is empty" in window.banner.text() and "Client is empty" in window.banner.text()
    assert "more problem" not in window.banner.text()


# ---------------------------------------------------------------- Tab and Shift+Tab
def _type_in_cell(qtbot, table, text: str) -> None:
    editor = table.table.focusWidget()
    assert editor is not None and editor is not table.table, "no cell editor is open"
    qtbot.keyClicks(editor, text)


def test_tab_and_shift_tab_move_between_cells_and_never_overwrite_the_question(qtbot, window) -> None:
    editor = window.editor
    editor.show_section("faq")
    faq = editor.faq_table
    faq.add_row()
    new = faq.table.rowCount() - 1
    _type_in_cell(qtbot, faq, "Do you ship to Norway?")
    qtbot.keyClick(faq.table.focusWidget(), Qt.Key.Key_Tab)
    assert (faq.table.currentRow(), faq.table.currentColumn()) == (new, 1)
    _type_in_cell(qtbot, faq, "Yes, in 3 days.")
    qtbot.keyClick(faq.table.focusWidget(), Qt.Key.Key_Backtab)
    assert (faq.table.currentRow(), faq.table.currentColumn()) == (new, 0)
    qtbot.keyClick(faq.table.focusWidget(), Qt.Key.Key_Escape)
    row = faq.rows()[new]
    assert (row["question"], row["answer"]) == ("Do you ship to Norway?", "Yes, in 3 days.")
    qtbot.keyClick(faq.table, Qt.Key.Key_Tab)  # no cell open: Tab still moves and opens the next one
    assert (faq.table.currentRow(), faq.table.currentColumn()) == (new, 1)
    assert faq.table.state() == faq.table.State.EditingState
    qtbot.keyClick(faq.table.focusWidget(), Qt.Key.Key_Escape)
    assert faq.rows()[new]["answer"] == "Yes, in 3 days."

    editor.show_section("business_rules")
    rules = editor.rules_table
    rules.table.setCurrentCell(0, 0)
    rules.table.editItem(rules.table.item(0, 0))
    for expected_column in (1, 2):  # name → regex → reply; the handoff checkbox is skipped
        qtbot.keyClick(rules.table.focusWidget(), Qt.Key.Key_Tab)
        assert (rules.table.currentRow(), rules.table.currentColumn()) == (0, expected_column)
    qtbot.keyClick(rules.table.focusWidget(), Qt.Key.Key_Tab)
    assert (rules.table.currentRow(), rules.table.currentColumn()) == (1, 0)


# ---------------------------------------------------------------- new rows in view
def test_a_new_row_scrolls_into_view_and_gets_focus(qtbot, window) -> None:
    editor = window.editor
    editor.show_section("faq")
    faq = editor.faq_table
    faq.table.scrollToTop()
    for _ in range(30):  # more rows than the table shows
        faq.add_row()
        qtbot.keyClick(faq.table.focusWidget(), Qt.Key.Key_Escape)
    faq.table.scrollToTop()
    faq.add_row()
    new = faq.table.rowCount() - 1
    assert faq.table.currentRow() == new
    cell = faq.table.visualItemRect(faq.table.item(new, 0))
    assert faq.table.viewport().rect().contains(cell.center())
    assert faq.table.state() == faq.table.State.EditingState
    assert faq.table.focusWidget() is not None and faq.table.focusWidget().hasFocus()


# ---------------------------------------------------------------- lists, one item per row
def test_rule_phrases_and_expected_texts_are_edited_as_lists_one_item_per_row(qtbot, window) -> None:
    editor = window.editor
    rules = editor.rules_table
    assert isinstance(rules.detail_edit, StringListEdit)
    rules.table.setCurrentCell(0, 0)
    phrases = ["refund | money back", "a, b", "  spaced  "]
    rules.detail_edit.set_items([])
    for phrase in phrases:
        rules.detail_edit.add_item(phrase)
    tests = editor.tests_table
    assert isinstance(tests.detail_edit, StringListEdit)
    tests.table.setCurrentCell(0, 0)
    expected = ["30 days | 14 days", "Yes, we do"]
    tests.detail_edit.set_items([])
    for text in expected:
        tests.detail_edit.add_item(text)
    spec = editor.current_spec()
    assert spec.business_rules[0].match == phrases
    assert spec.tests[0].expect_contains == expected
