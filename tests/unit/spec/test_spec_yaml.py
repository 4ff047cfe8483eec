"""Spec validation and YAML import/export."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixel_desktop.errors import SpecError
from pixel_desktop.spec import ProjectSpec, dump_spec, load_spec_file, load_spec_text, slugify

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"

HOSTILE = [
    "It's \"quoted\" and '''triple''' and \"\"\"more\"\"\"",
    "back\\slash \\n not a newline",
    "line one\nline two\n\n  indented\n",
    "{{ 7*7 }} {% if true %}x{% endif %} {# c #}",
    "</script><script>alert(1)</script>",
    "sep\u2028para\u2029end",
    "emoji 🤖🚀 and RTL עברית",
    "$(rm -rf /); `id` && echo $HOME | cat > /tmp/x",
    "- not: a list\n? not a key\n: colon",
    "trailing spaces   \nand tabs\t\t",
    "  leading spaces",
    "null",
    "yes",
    "0x1F",
    "2024-01-01",
    "~",
    "# not a comment",
    "%YAML 1.2",
    "\ttab first",
    "nul-free but \x7f del",
    "next\x85line",
    "cr\ronly and crlf\r\n",
]

text_strategy = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
        | st.sampled_from(["\n", "\r", "\x85", "\t", "\u2028", "'", '"', "\\", "{", "}", "%", "#", ":"]),
        min_size=1,
        max_size=60,
    ),
).filter(lambda s: s.strip() != "")


def _spec(text: str, other: str) -> ProjectSpec:
    return ProjectSpec.model_validate(
        {
            "name": text[:80],
            "client": other,
            "description": text,
            "personality": {"greeting": other, "system_prompt": text},
            "business_rules": [{"name": "r1", "match": [other], "reply": text, "handoff": True}],
            "guidelines": [text, other],
            "training_data": {
                "faq": [{"question": text, "answer": other}],
                "documents": [{"title": other, "text": text}],
            },
            "deployment": {"env_vars": {"GREETING": other.replace("\n", " ").replace("\r", " ")}},
            "tests": [{"ask": text, "expect_contains": [other]}],
        }
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(text_strategy, text_strategy)
def test_export_import_export_is_byte_identical_for_hostile_text(text: str, other: str) -> None:
    """Every generated value is one the model must accept (the strategy only makes non-blank
    text without NUL or surrogates), so a rejection is a failure, never a skipped example:
    a validator that started refusing valid hostile text would otherwise pass unnoticed."""
    spec = _spec(text, other)
    exported = dump_spec(spec)
    again = load_spec_text(exported)
    assert again == spec
    assert dump_spec(again) == exported


def test_sample_round_trips_byte_identically() -> None:
    spec = load_spec_file(SAMPLE)
    exported = dump_spec(spec)
    assert dump_spec(load_spec_text(exported)) == exported
    assert spec.project_slug == "acme-support-bot"
    assert len(spec.training_data.faq) >= 20


def test_yaml_scalars_that_look_like_dates_stay_strings() -> None:
    spec = load_spec_text("name: 2024-01-01\nclient: Acme\n")
    assert spec.name == "2024-01-01"


def test_every_spec_problem_is_listed_with_its_own_line() -> None:
    text = (
        "name: X\nclient: Y\ncolour: red\ntraining_data:\n  faq:\n"
        "    - {question: ' ', answer: a}\n    - {question: q, answer: ''}\n"
        "deployment:\n  port: 80\n"
    )
    with pytest.raises(SpecError) as info:
        load_spec_text(text, source="t.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("t.yaml: line 3: colour: unknown field")
    assert [line.split(": ")[1:3] for line in lines] == [
        ["line 3", "colour"],
        ["line 6", "training_data.faq[0].question"],
        ["line 7", "training_data.faq[1].answer"],
        ["line 9", "deployment.port"],
    ]
    assert (info.value.field, info.value.line) == ("colour", 3)


def test_a_spec_with_very_many_problems_lists_the_first_twenty_and_counts_the_rest() -> None:
    faq = "".join(f"    - {{question: q{i}, answer: ''}}\n" for i in range(25))
    with pytest.raises(SpecError) as info:
        load_spec_text(f"name: X\nclient: Y\ntraining_data:\n  faq:\n{faq}", source="t.yaml")
    lines = str(info.value).splitlines()
    assert len(lines) == 21
    assert lines[19].startswith("t.yaml: line 24: training_data.faq[19].answer")
    assert lines[20] == "t.yaml: and 5 more problems"


@pytest.mark.parametrize(
    ("yaml_text", "field", "line"),
    [
        ("name: X\nclient: Y\nslug: Bad_Slug\n", "slug", 3),
        ("name: X\nclient: Y\ncolour: red\n", "colour", 3),
        ("name: X\n", "client", 1),
        ("name: X\nclient: Y\ndeployment:\n  port: 80\n", "deployment.port", 4),
        ("name: X\nclient: Y\ndeployment:\n  env_vars:\n    1BAD: v\n", "deployment.env_vars.1BAD", 5),
        ("name: X\nclient: Y\ndeployment:\n  dependencies: ['requests>>2']\n", "deployment.dependencies", 4),
        (
            "name: X\nclient: Y\nbusiness_rules:\n  - {name: a, match: [x], reply: r}\n"
            "  - {name: a, match: [y], reply: r}\n",
            "business_rules",
            3,  # the key's line: the problem is the whole list's
        ),
        ("name: X\nclient: Y\ntraining_data:\n  faq:\n    - {question: ' ', answer: a}\n", "training_data.faq[0].question", 5),
        ("name: X\nclient: Y\nbusiness_rules:\n  - {name: a, regex: '([', reply: r}\n", "business_rules[0].regex", 4),
        ("name: X\nclient: Y\nllm: {provider: openai-compatible}\n", "llm", 3),
        ("name: X\nclient: Y\nname: Z\n", "name", 3),
    ],
)
def test_invalid_spec_error_names_field_and_line(yaml_text: str, field: str, line: int | None) -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(yaml_text, source="t.yaml")
    assert info.value.field == field
    assert info.value.line == line
    assert field in str(info.value)
    assert info.value.exit_code == 2


def test_broken_yaml_reports_line() -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text("name: X\nclient: [unclosed\n", source="t.yaml")
    assert "not valid YAML" in str(info.value)
    assert info.value.line is not None


def test_slug_is_derived_from_any_unicode_name() -> None:
    assert slugify("Café Crème Bot!") == "cafe-creme-bot"
    derived = slugify("日本語ボット")
    assert derived.startswith("assistant-")
    assert slugify("日本語ボット") == derived  # deterministic
    spec = ProjectSpec(name="Ünïcode Helper", client="C")
    assert spec.slug == "unicode-helper"


def test_yaml_aliases_are_refused_before_they_can_expand() -> None:
    levels = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    with pytest.raises(SpecError) as info:
        load_spec_text(levels + "name: n\nclient: c\n", source="bomb.yaml")
    assert "anchors and aliases" in str(info.value)
    assert info.value.line == 1


def test_absurdly_nested_yaml_is_a_spec_error_not_a_crash() -> None:
    deep = "name: n\nclient: c\nguidelines: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(SpecError, match="nest"):
        load_spec_text(deep)


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ('name: "a\\0b"\nclient: c\n', "name"),
        ('name: a\nclient: c\ntraining_data:\n  faq:\n    - {question: "q\\0", answer: a}\n', "training_data.faq[0].question"),
        ('name: a\nclient: c\nguidelines: ["ok", "n\\0l"]\n', "guidelines"),
    ],
)
def test_nul_characters_are_refused_with_the_field(yaml_text: str, field: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(yaml_text)
    assert info.value.field == field and "NUL" in str(info.value)


@pytest.mark.parametrize(
    "deployment",
    [
        {"endpoints": {"chat": "/chat\n"}},
        {"base_image": "python:3.12-slim\n"},
    ],
)
def test_validated_values_reject_a_trailing_newline(deployment: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ProjectSpec.model_validate({"name": "n", "client": "c", "deployment": deployment})
    with pytest.raises(ValueError):
        ProjectSpec.model_validate({"name": "n", "client": "c", "slug": "evil\n"})


@pytest.mark.parametrize(
    "name", ["PORT", "HOST", "PATH", "PYTHONPATH", "PYTHONSTARTUP", "LD_PRELOAD", "LD_LIBRARY_PATH"]
)
def test_env_vars_refuse_names_the_service_or_its_runtime_owns(name: str) -> None:
    text = f"name: X\nclient: Y\ndeployment:\n  env_vars:\n    LOG_LEVEL: info\n    {name}: v\n"
    with pytest.raises(SpecError) as info:
        load_spec_text(text, source="t.yaml")
    assert info.value.field == "deployment.env_vars" and info.value.exit_code == 2
    assert f"{name} is reserved" in str(info.value) and "use another name" in str(info.value)


def test_env_vars_accept_ordinary_names_and_lowercase_lookalikes() -> None:
    spec = load_spec_text(
        "name: X\nclient: Y\ndeployment:\n  env_vars: {LOG_LEVEL: info, port_label: a, MY_PATH: b}\n"
    )
    assert spec.deployment.env_vars == {"LOG_LEVEL": "info", "port_label": "a", "MY_PATH": "b"}
