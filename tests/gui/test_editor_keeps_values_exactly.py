"""Saving from the form keeps every value exactly as loaded, as the YAML path does.

The editor used to trim and split guidelines and dependencies, split match phrases and
expected texts on ``|``, turn CRLF and no-break spaces in multi-line text into ``\\n`` and
spaces, and round temperature to 2 decimals and the timeout to 1.
"""

from __future__ import annotations

from types import SimpleNamespace

from pixel_desktop.spec import spec_from_data
from pixel_desktop.spec.yaml_io import dump_spec, spec_to_data

HOSTILE = {
    "spec_version": 1,
    "name": "  Ünïcode\u00a0bot | v2\t",
    "slug": "acme-support-bot",
    "client": " Client, with | pipe ",
    "description": "line one\r\nline two\r\n\r\n  indented\u00a0nbsp\ttab  \r\n",
    "template": "faq-assistant",
    "retrieval": "lexical",
    "personality": {
        "tone": "  warm\t",
        "style": "a | b",
        "greeting": "Hi!\u00a0 Welcome.  ",
        "system_prompt": "You are \u00a0careful.\n\n\n  Rule\u2028one\rRule two\n",
    },
    "business_rules": [
        {
            "name": " padded rule ",
            "match": ["  price | cost  ", "a, b", "|", " ", "two\nlines", "ünï\u00a0code"],
            "reply": "  Multi\nline reply | kept  ",
            "handoff": True,
        },
        {"name": "regex rule", "regex": "(?i) ^refund|return $", "reply": "R", "handoff": False},
    ],
    "guidelines": ["  Answer in English.  ", "a | b", " ", "two\nlines", "tab\there"],
    "training_data": {
        "faq": [
            {
                "question": "  How? | why  ",
                "questions": ["  padded  ", "a | b"],
                "answer": "Answer\r\nwith CRLF  ",
            }
        ],
        "documents": [
            {"title": " Title\twith tab ", "text": "para one\r\n\r\npara\u00a0two  \u2028soft\n  "},
        ],
    },
    "llm": {
        "provider": "openai-compatible",
        "base_url": "http://localhost:11434/v1",
        "model": " llama 3.2 ",
        "api_key_env": "LLM_API_KEY",
        "temperature": 0.123456789,
        "timeout_s": 7.25,
    },
    "deployment": {
        "port": 8123,
        "base_image": "python:3.12-slim",
        "env_vars": {"GREETING": "  spaced | value  "},
        "secret_env": ["LLM_API_KEY"],
        "dependencies": ["  requests>=2  ", "rapidfuzz>=3 ; python_version >= '3.8'"],
        "endpoints": {"chat": "/talk", "health": "/alive"},
    },
    "tests": [
        {"ask": "  ask | me\nplease ", "expect_contains": [" a | b ", "c\nd", " "], "expect_handoff": False},
        {"ask": "plain", "expect_contains": []},
    ],
}


def test_a_hostile_spec_loaded_into_the_form_is_saved_unchanged_in_every_field(
    qtbot, window, services
) -> None:
    hostile = spec_from_data(HOSTILE, source="test")  # the YAML path accepts it as it is
    editor = window.editor
    editor.load(SimpleNamespace(slug="acme-support-bot", version=window.record.version, id=window.record.id, spec=hostile))
    # The first rule's phrases and the first test's texts are shown one per row, as loaded.
    assert editor.rules_table.detail_edit.items() == HOSTILE["business_rules"][0]["match"]
    assert editor.tests_table.detail_edit.items() == HOSTILE["tests"][0]["expect_contains"]
    for section in ("business_rules", "documents", "tests"):  # visiting a row must change nothing
        editor.show_section(section)
    editor.rules_table.table.setCurrentCell(0, 0)
    editor.docs_table.table.setCurrentCell(0, 0)
    editor.tests_table.table.setCurrentCell(0, 0)

    assert spec_to_data(editor.current_spec()) == spec_to_data(hostile)

    editor._on_changed()  # mark dirty as an edit would
    window.save()
    qtbot.waitUntil(lambda: services.store.projects.get("acme-support-bot").version == 2, timeout=10_000)
    stored = services.store.projects.get("acme-support-bot").spec
    assert spec_to_data(stored) == spec_to_data(hostile)
    assert dump_spec(stored) == dump_spec(hostile)


def test_list_items_and_numbers_typed_into_the_form_are_kept_exactly(qtbot, window) -> None:
    editor = window.editor
    editor.guidelines_edit.add_item("  keep | my spaces  ")
    editor.deps_edit.add_item("rapidfuzz>=3")
    editor.rules_table.table.setCurrentCell(0, 0)
    editor.rules_table.detail_edit.add_item(" a | b ")
    editor.tests_table.table.setCurrentCell(0, 0)
    editor.tests_table.detail_edit.add_item("x | y")
    editor.temperature_edit.setText("0.123")
    editor.timeout_edit.setText("2.55")

    spec = editor.current_spec()
    assert spec.guidelines[-1] == "  keep | my spaces  "
    assert spec.deployment.dependencies[-1] == "rapidfuzz>=3"
    assert spec.business_rules[0].match is not None and spec.business_rules[0].match[-1] == " a | b "
    assert spec.tests[0].expect_contains[-1] == "x | y"
    assert (spec.llm.temperature, spec.llm.timeout_s) == (0.123, 2.55)


def test_text_edited_in_a_multi_line_field_keeps_no_break_spaces_and_crlf_endings(qtbot, window) -> None:
    editor = window.editor
    editor.description_edit.set_value("first\r\nsecond")
    editor.description_edit.appendPlainText("third\u00a0word")
    assert editor.current_spec().description == "first\r\nsecond\r\nthird\u00a0word"


def test_a_blank_list_item_or_a_word_as_temperature_is_named_not_dropped(qtbot, window) -> None:
    editor = window.editor
    editor.guidelines_edit.add_item("")
    editor.validate()
    assert "Guideline row" in editor.error_label.text()
    editor.guidelines_edit.remove_current()
    editor.temperature_edit.setText("warm")
    editor.validate()
    assert "LLM temperature must be a number" in editor.error_label.text()
    assert "border" in editor.temperature_edit.styleSheet()
