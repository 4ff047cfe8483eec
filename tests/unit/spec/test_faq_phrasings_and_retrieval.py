"""FAQ alternative phrasings (`questions`) and the `retrieval` mode in spec v1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pixel_desktop.errors import SpecError
from pixel_desktop.spec import ProjectSpec, dump_spec, load_spec_file, load_spec_text
from pixel_desktop.spec.faq import group_by_answer
from pixel_desktop.spec.model import MAX_ALTERNATIVE_QUESTIONS, phrasing_key
from pixel_desktop.spec.yaml_io import spec_to_data
from pixel_desktop.store.projects import spec_json

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"

ONE_LINE_HOSTILE = [
    "It's \"quoted\" and '''triple'''",
    "back\\slash \\n not a newline",
    "{{ 7*7 }} {% if true %}x{% endif %}",
    "emoji 🤖🚀 and RTL עברית",
    "a | b | c, d; e",
    "  leading and trailing spaces  ",
    "\ttab first",
    "null",
    "yes",
    "~",
    "# not a comment",
    "- not: a list",
    "no\u00a0break\u00a0space",
    "zero\u200bwidth",
]

any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from(["\n", "\r", "\x85", "\t", "\u2028", "'", '"', "\\", "{", "}", "%", "#", ":", "|"]),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() != "")

one_line_text = st.one_of(
    st.sampled_from(ONE_LINE_HOSTILE),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff")
        | st.sampled_from(["\t", "'", '"', "\\", "{", "}", "%", "#", ":", "|", "-", "?"]),
        min_size=1,
        max_size=60,
    ),
).filter(lambda s: s.strip() != "" and s.splitlines() == [s])


def _minimal(**extra: object) -> dict[str, object]:
    return {"name": "Bot", "client": "C", **extra}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    question=any_text,
    answer=any_text,
    alternatives=st.lists(one_line_text, min_size=1, max_size=6, unique_by=phrasing_key),
    retrieval=st.sampled_from(["semantic", "lexical"]),
)
def test_export_import_export_is_byte_identical_with_alternative_phrasings(
    question: str, answer: str, alternatives: list[str], retrieval: str
) -> None:
    assume(phrasing_key(question) not in {phrasing_key(a) for a in alternatives})
    spec = ProjectSpec.model_validate(
        _minimal(
            retrieval=retrieval,
            training_data={
                "faq": [
                    {"question": question, "questions": alternatives, "answer": answer},
                    {"question": "Plain entry?", "answer": answer},
                ]
            },
        )
    )
    exported = dump_spec(spec)
    again = load_spec_text(exported)
    assert again == spec
    assert again.training_data.faq[0].questions == alternatives  # every phrasing exactly as given
    assert dump_spec(again) == exported


def test_an_entry_without_alternatives_exports_exactly_as_before_the_field_existed() -> None:
    spec = ProjectSpec.model_validate(
        _minimal(training_data={"faq": [{"question": "Q?", "answer": "A."}, {"question": "R?", "questions": [], "answer": "B."}]})
    )
    assert "  faq:\n  - question: Q?\n    answer: A.\n  - question: R?\n    answer: B.\n" in dump_spec(spec)
    assert spec_to_data(spec)["training_data"]["faq"] == [
        {"question": "Q?", "answer": "A."},
        {"question": "R?", "answer": "B."},
    ]
    # The store keeps the same bytes for such an entry as before.
    assert '{"question":"Q?","answer":"A."}' in spec_json(spec)


def test_alternatives_export_between_question_and_answer_as_a_block_list() -> None:
    spec = ProjectSpec.model_validate(
        _minimal(training_data={"faq": [{"question": "How do I pay?", "questions": ["Payment options?", "  PayPal | card?"], "answer": "Card."}]})
    )
    assert (
        "  - question: How do I pay?\n    questions:\n    - Payment options?\n    - '  PayPal | card?'\n    answer: Card.\n"
        in dump_spec(spec)
    )
    assert json.loads(spec_json(spec))["training_data"]["faq"][0]["questions"] == ["Payment options?", "  PayPal | card?"]
    assert spec.training_data.faq[0].phrasings == ["How do I pay?", "Payment options?", "  PayPal | card?"]


def test_the_sample_states_semantic_retrieval_and_round_trips() -> None:
    assert "\nretrieval: semantic\n" in SAMPLE.read_text(encoding="utf-8")
    spec = load_spec_file(SAMPLE)
    assert spec.retrieval == "semantic"
    exported = dump_spec(spec)
    assert dump_spec(load_spec_text(exported)) == exported


def test_a_spec_without_retrieval_is_still_valid_and_semantic() -> None:
    spec = load_spec_text("spec_version: 1\nname: Old\nclient: C\n")
    assert spec.retrieval == "semantic"
    assert ProjectSpec(name="New", client="C").retrieval == "semantic"
    assert "\nretrieval: semantic\n" in dump_spec(spec)


def test_lexical_retrieval_is_kept() -> None:
    spec = load_spec_text("name: Small\nclient: C\nretrieval: lexical\n")
    assert spec.retrieval == "lexical"
    assert load_spec_text(dump_spec(spec)).retrieval == "lexical"


@pytest.mark.parametrize(("value", "shown"), [("fuzzy", "'fuzzy'"), ("Semantic", "'Semantic'"), ("1", "1"), ("", "empty"), ("[semantic]", "['semantic']")])
def test_unknown_retrieval_is_refused_naming_the_allowed_modes(value: str, shown: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(f"name: X\nclient: Y\nretrieval: {value}\n", source="t.yaml")
    message = str(info.value)
    assert info.value.field == "retrieval" and info.value.line == 3
    assert f"t.yaml: line 3: retrieval: must be semantic or lexical, not {shown}:" in message
    assert "Input should be" not in message  # pydantic's raw Literal wording is replaced


def _faq_error(questions: object, question: str = "How do I pay?") -> SpecError:
    text = json.dumps({**_minimal(), "training_data": {"faq": [{"question": question, "questions": questions, "answer": "Card."}]}})
    with pytest.raises(SpecError) as info:
        load_spec_text(text, source="t.yaml")  # JSON is YAML: one line, so the line is 1
    return info.value


@pytest.mark.parametrize(
    ("questions", "field", "words"),
    [
        (["Payment options?", "   "], "training_data.faq[0].questions[1]", "must not be empty"),
        ([""], "training_data.faq[0].questions[0]", "must not be empty"),
        (["Two\nlines"], "training_data.faq[0].questions[0]", "single line"),
        (["Ends with a newline\n"], "training_data.faq[0].questions[0]", "single line"),
        (["Line\u2028separator"], "training_data.faq[0].questions[0]", "single line"),
        (["Carriage\rreturn"], "training_data.faq[0].questions[0]", "single line"),
        (["x" * 5_001], "training_data.faq[0].questions[0]", "5000 characters"),
        (["nul\x00"], "training_data.faq[0].questions", "NUL"),
        ("Payment options?", "training_data.faq[0].questions", "valid list"),
        ([f"Phrasing {i}?" for i in range(MAX_ALTERNATIVE_QUESTIONS + 1)], "training_data.faq[0].questions", "at most 50"),
    ],
)
def test_a_bad_alternative_phrasing_is_refused_with_its_field(questions: object, field: str, words: str) -> None:
    error = _faq_error(questions)
    assert error.field == field
    assert words in str(error)


def test_fifty_alternatives_are_accepted() -> None:
    phrasings = [f"Phrasing {i}?" for i in range(MAX_ALTERNATIVE_QUESTIONS)]
    spec = ProjectSpec.model_validate(_minimal(training_data={"faq": [{"question": "Q?", "questions": phrasings, "answer": "A."}]}))
    assert spec.training_data.faq[0].questions == phrasings


@pytest.mark.parametrize(
    ("questions", "repeats"),
    [
        (["how do i  PAY?"], "phrasing [0] 'how do i  PAY?' repeats the question"),
        (["Payment options?", "payment   options?"], "phrasing [1] 'payment   options?' repeats phrasing [0]"),
        (["Payment options?", "Payment options?"], "phrasing [1] 'Payment options?' repeats phrasing [0]"),
    ],
)
def test_a_repeated_phrasing_is_refused_saying_which_it_repeats(questions: list[str], repeats: str) -> None:
    error = _faq_error(questions)
    assert error.field == "training_data.faq[0].questions"
    assert repeats in str(error)
    assert "ignoring case and spacing" in str(error) and "remove it or reword it" in str(error)


def test_rows_with_the_same_answer_group_into_one_entry_in_first_seen_order() -> None:
    grouping = group_by_answer(
        [
            {"question": "How do I pay?", "answer": "Card or PayPal."},
            {"question": "When is my invoice due?", "answer": "Within 14 days."},
            {"question": "What payment methods do you accept?", "answer": "Card or PayPal."},
            {"question": "  Can I use PayPal?", "answer": "Card or PayPal."},
            {"question": "HOW DO I PAY?", "answer": "Card or PayPal."},
        ]
    )
    assert grouping.rows == [
        {
            "question": "How do I pay?",
            "questions": ["What payment methods do you accept?", "  Can I use PayPal?"],
            "answer": "Card or PayPal.",
        },
        {"question": "When is my invoice due?", "questions": [], "answer": "Within 14 days."},
    ]
    assert (grouping.read, grouping.merged, grouping.repeats) == (5, 2, 1)
    summary = grouping.summary()
    assert summary.startswith("5 row(s) became 2 FAQ entries")
    assert "2 row(s) repeating an earlier answer became other phrasings" in summary
    assert "1 phrasing(s) already in their entry" in summary
    for row in grouping.rows:  # what the grouping makes is a valid entry
        ProjectSpec.model_validate(_minimal(training_data={"faq": [row]}))


def test_rows_missing_a_question_or_answer_stay_on_their_own_for_the_spec_to_flag() -> None:
    rows = [
        {"question": "Q?", "answer": "A."},
        {"question": "", "answer": "A."},
        {"question": "R?", "answer": ""},
        {"question": "S?", "answer": ""},
    ]
    grouping = group_by_answer(rows)
    assert grouping.rows == [{"question": "Q?", "answer": "A.", "questions": []}, *rows[1:]]
    assert grouping.merged == 0


def test_answers_that_differ_only_in_spacing_are_different_entries() -> None:
    """The answer is the entry's identity and is shown verbatim; two spellings of it are not merged."""
    grouping = group_by_answer([{"question": "Q?", "answer": "A."}, {"question": "R?", "answer": "A. "}])
    assert len(grouping.rows) == 2
