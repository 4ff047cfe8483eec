"""The editor's validation messages, written for people (Qt-free: gui/messages)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pixel_desktop.gui.messages import SpecProblems, field_in_words, spec_problems
from pixel_desktop.spec import ProjectSpec


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("training_data.faq[24].answer", "FAQ row 25, answer"),
        ("training_data.faq[3].questions[1]", "FAQ row 4, other phrasing 2"),
        ("training_data.faq[2].questions", "FAQ row 3, other phrasings"),
        ("business_rules[0].match[2]", "Business rule row 1, match phrase 3"),
        ("tests[1].expect_contains[0]", "Conversation test row 2, expected text 1"),
        ("guidelines[0]", "Guideline row 1"),
        ("deployment.port", "Port"),
        ("llm.temperature", "LLM temperature"),
    ],
)
def test_fields_are_named_in_words_with_rows_counted_from_one(field: str, words: str) -> None:
    assert field_in_words(field) == words


def test_every_problem_is_listed_in_words() -> None:
    data = {
        "name": "",
        "client": "",
        "deployment": {"port": 99999},
        "training_data": {"faq": [{"question": "Q?", "answer": "A."}, {"question": "R?", "answer": " "}]},
    }
    with pytest.raises(ValidationError) as err:
        ProjectSpec.model_validate(data)
    problems = SpecProblems(spec_problems(err.value.errors()))
    sentences = [sentence for _field, sentence in problems.problems]
    assert "Name is empty" in sentences and "Client is empty" in sentences
    assert "Port must be at most 65535" in sentences
    assert any(s.startswith("FAQ row 2, answer") for s in sentences)
    assert problems.field == "name"  # the first one is what the editor highlights
    assert "more problem" not in str(problems) and "String should" not in str(problems)


def test_a_repeated_phrasing_is_counted_from_one_in_the_specs_own_sentence() -> None:
    data = {"name": "N", "client": "C", "training_data": {"faq": [{"question": "Q?", "answer": "A.", "questions": ["x?", "X?"]}]}}
    with pytest.raises(ValidationError) as err:
        ProjectSpec.model_validate(data)
    [(_field, sentence)] = spec_problems(err.value.errors())
    assert sentence.startswith("FAQ row 1, other phrasings: phrasing 2 'X?' repeats phrasing 1")
