"""`pixel eval` without Docker: reading the CSV, what counts as which answer, the report's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.app.eval import (
    FALLBACK,
    CaseResult,
    EvalComparison,
    EvalReport,
    Knowledge,
    percentile,
    read_cases,
)
from pixel_desktop.errors import InputError
from pixel_desktop.spec import load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data


def write(tmp_path: Path, text: str | bytes, name: str = "questions.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def one_line_error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_cases(path)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 2
    return message


# --------------------------------------------------------------------------- CSV
def test_reads_rows_with_quoted_commas_bom_crlf_and_extra_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeffQuestion , Expected,notes\r\n"
        '"Hi, can I pay later?",Can I pay in installments?,from chat logs\r\n'
        "\r\n"
        '"a question\non two lines",fallback,\r\n',
    )
    cases = read_cases(path)
    assert [(c.question, c.expected) for c in cases] == [
        ("Hi, can I pay later?", "Can I pay in installments?"),
        ("a question\non two lines", "fallback"),
    ]
    assert [c.line for c in cases] == [2, 5]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("q,a\nHow?,fallback\n", "must name the columns question,expected, found 'q,a'"),
        ("question\nHow?\n", "must name the columns question,expected"),
        ("question;expected\nHow?;fallback\n", "another separator than a comma"),
        ("question,expected,question\nA,fallback,B\n", "column question appears twice"),
    ],
)
def test_wrong_or_missing_columns_are_one_line_naming_the_fix(
    tmp_path: Path, text: str, needle: str
) -> None:
    message = one_line_error(write(tmp_path, text))
    assert needle in message
    assert "questions.csv" in message


def test_empty_file_and_header_only_file_say_what_to_add(tmp_path: Path) -> None:
    assert "is empty" in one_line_error(write(tmp_path, "", "empty.csv"))
    assert "is empty" in one_line_error(write(tmp_path, " \n\n", "blank.csv"))
    message = one_line_error(write(tmp_path, "question,expected\n", "header.csv"))
    assert "has no questions" in message


def test_unreadable_and_non_text_files_are_input_errors(tmp_path: Path) -> None:
    assert "Cannot read" in one_line_error(tmp_path / "missing.csv")
    assert "Cannot read" in one_line_error(tmp_path)  # a directory
    assert "not UTF-8" in one_line_error(write(tmp_path, b"question,expected\n\xff\xfe,x\n"))
    assert "not a text file" in one_line_error(write(tmp_path, b"question,expected\nA\x00,B\n"))


def test_rows_with_an_empty_cell_or_an_unquoted_comma_name_their_line(tmp_path: Path) -> None:
    assert "line 3: the question is empty" in one_line_error(
        write(tmp_path, "question,expected\nA,fallback\n,fallback\n")
    )
    assert "line 2: `expected` is empty" in one_line_error(
        write(tmp_path, "question,expected\nHow do I pay?,\n")
    )
    message = one_line_error(write(tmp_path, "question,expected\nHi, how do I pay?,fallback\n"))
    assert "line 2: 3 fields" in message and "double quotes" in message


# --------------------------------------------------------------------------- knowledge
def sample_knowledge() -> Knowledge:
    return Knowledge.build(
        [
            ("How do I reset my password?", ["I forgot my password"]),
            ("Which payment methods do you accept?", []),
        ],
        rules=["pricing"],
        documents=["Returns policy"],
        source="build",
    )


def test_expected_cells_resolve_to_the_entry_whatever_case_spacing_or_phrasing() -> None:
    k = sample_knowledge()
    assert k.expected_label("how do I  reset my password?") == "How do I reset my password?"
    assert k.expected_label("I FORGOT my password") == "How do I reset my password?"
    assert k.expected_label("Fallback") == FALLBACK
    assert k.expected_label("rule: Pricing") == "rule:pricing"
    assert k.expected_label("document:returns policy") == "document:Returns policy"
    assert k.expected_label("How do I reset my pin?") is None
    assert k.expected_label("rule:shipping") is None


def test_a_primary_question_never_maps_to_another_entry_that_lists_it_as_alternative() -> None:
    k = Knowledge.build(
        [("Can I pay later?", ["Can I pay in installments?"]), ("Can I pay in installments?", [])],
        rules=[],
        documents=[],
        source="build",
    )
    assert k.expected_label("Can I pay in installments?") == "Can I pay in installments?"


def test_replies_are_classified_by_their_first_faq_rule_or_document_source() -> None:
    k = sample_knowledge()
    faq = {"sources": [{"type": "faq", "title": "How do I reset my password?", "score": 0.91}]}
    assert k.classify(faq).label == "How do I reset my password?"
    assert k.classify(faq).score == pytest.approx(0.91)
    alternative = {"sources": [{"type": "faq", "title": "I forgot my password", "score": 0.7}]}
    assert k.classify(alternative).label == "How do I reset my password?"
    rule = {"sources": [{"type": "rule", "title": "pricing", "score": 1.0}]}
    assert k.classify(rule).label == "rule:pricing"
    doc = {
        "sources": [{"type": "llm", "title": "x"}, {"type": "document", "title": "Returns policy"}]
    }
    assert (k.classify(doc).label, k.classify(doc).score) == ("document:Returns policy", None)
    assert k.classify({"reply": "Sorry", "sources": []}).label == FALLBACK
    assert k.classify({"reply": "Hi!"}).label == FALLBACK
    assert k.classify(["not", "a", "dict"]).label == FALLBACK


def test_a_did_you_mean_reply_is_a_fallback_that_keeps_the_offered_entry_and_score() -> None:
    k = sample_knowledge()
    reply = {"sources": [{"type": "suggestion", "title": "I forgot my password", "score": 0.31}]}
    answer = k.classify(reply)
    assert (answer.label, answer.score, answer.suggested) == (
        FALLBACK,
        0.31,
        "How do I reset my password?",
    )
    assert k.classify({"sources": []}).suggested is None


def test_knowledge_from_the_generated_data_files_matches_the_spec_they_came_from() -> None:
    from pixel_desktop.codegen import render_project

    spec = load_spec_file(paths.sample_spec_file())
    files = render_project(spec, spec.template)
    data = [f.content for f in files if f.path.startswith("assistant_data/")]
    from_build = Knowledge.from_data_files(data)
    from_spec = Knowledge.from_spec(spec)
    assert from_build is not None and from_build.source == "build"
    assert (from_build.faq, from_build.rules, from_build.documents) == (
        from_spec.faq,
        from_spec.rules,
        from_spec.documents,
    )
    assert len(from_build.faq) >= len(spec.training_data.faq) > 0
    assert "pricing" in from_build.rules


def test_alternative_phrasings_in_the_data_file_count_as_their_entry() -> None:
    blob = json.dumps(
        {"faq": [{"question": "How do I pay?", "questions": ["Payment options?"], "answer": "x"}]}
    ).encode()
    knowledge = Knowledge.from_data_files([blob])
    assert knowledge is not None
    assert knowledge.expected_label("payment options?") == "How do I pay?"


def test_faq_rules_and_documents_are_read_from_whichever_data_file_holds_them() -> None:
    rules = json.dumps({"business_rules": [{"name": "pricing"}], "format": 1}).encode()
    knowledge = json.dumps(
        {"faq": [{"question": "How do I pay?"}], "documents": [{"title": "Returns"}]}
    ).encode()
    merged = Knowledge.from_data_files([rules, b"not json", knowledge])
    assert merged is not None
    assert merged.expected_label("rule:pricing") == "rule:pricing"
    assert merged.expected_label("document:returns") == "document:Returns"
    assert merged.expected_label("how do i pay?") == "How do I pay?"


@pytest.mark.parametrize("blob", [b"not json", b"[]", b'{"faq": {}}', b'{"faq": [{"q": 1}]}'])
def test_data_files_in_an_unknown_shape_are_not_read(blob: bytes) -> None:
    assert Knowledge.from_data_files([blob]) is None


def test_alternative_phrasings_in_the_spec_count_as_their_entry() -> None:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    entry = data["training_data"]["faq"][0]
    entry["questions"] = ["I can't log in, what now?"]
    spec = spec_from_data(data)
    assert (
        Knowledge.from_spec(spec).expected_label("I can't log in, what now?") == entry["question"]
    )


# --------------------------------------------------------------------------- report
def result(expected: str, got: str, ms: float, score: float | None = None) -> CaseResult:
    return CaseResult(line=2, question="q", expected=expected, got=got, score=score, latency_ms=ms)


def test_report_counts_accuracy_fallbacks_misses_and_latency_percentiles() -> None:
    results = (
        result("A", "A", 10.0, 0.9),
        result("A", "B", 20.0, 0.6),
        result(FALLBACK, FALLBACK, 30.0),
        result("B", FALLBACK, 40.0),
        result("B", "error: HTTP 422 too long", 1000.0),
    )
    report = EvalReport("acme", 7, "img:b7", "build", results)
    assert (report.total, report.correct, report.fallbacks) == (5, 2, 2)
    assert report.accuracy == pytest.approx(0.4)
    assert report.fallback_rate == pytest.approx(0.4)
    assert [(r.expected, r.got) for r in report.wrong] == [
        ("A", "B"),
        ("B", FALLBACK),
        ("B", "error: HTTP 422 too long"),
    ]
    assert (report.p50_ms, report.p99_ms) == (30.0, 1000.0)
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["accuracy"] == 0.4 and data["latency_ms"] == {"p50": 30.0, "p99": 1000.0}
    assert data["wrong"][0] == {
        "line": 2,
        "question": "q",
        "expected": "A",
        "got": "B",
        "score": 0.6,
        "suggested": None,
    }


def test_a_comparison_lists_the_rows_a_change_broke_and_fixed_even_at_equal_accuracy() -> None:
    def row(line: int, expected: str, got: str) -> CaseResult:
        return CaseResult(line=line, question=f"q{line}", expected=expected, got=got, score=None, latency_ms=1.0)

    before = EvalReport("acme", 3, "img:b3", "build", (row(2, "A", "A"), row(3, "B", FALLBACK), row(4, "C", "C")))
    after = EvalReport("acme", 4, "img:b4", "build", (row(2, "A", "B"), row(3, "B", "B"), row(4, "C", "C")))
    comparison = EvalComparison(after, before)
    assert before.accuracy == after.accuracy  # the same score hides two changes
    assert [(n.line, n.got, w.got) for n, w in comparison.newly_wrong] == [(2, "B", "A")]
    assert [(n.line, n.got, w.got) for n, w in comparison.newly_right] == [(3, "B", FALLBACK)]
    data = comparison.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["build_id"] == 4 and data["compared_with"]["build_id"] == 3
    assert data["newly_wrong"] == [
        {"line": 2, "question": "q2", "expected": "A", "got": "B", "got_before": "A", "score": None,
         "suggested": None, "suggested_before": None}
    ]
    assert [r["line"] for r in data["newly_right"]] == [3]


def test_nearest_rank_percentile_is_always_a_measured_value() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, 1.0], 50) == 1.0
    assert percentile([3.0, 1.0], 99) == 3.0
    assert percentile([], 50) is None


def test_project_alternatives_name_entries_the_build_has_but_never_new_entries() -> None:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    built = Knowledge.from_spec(spec_from_data(data))
    data["training_data"]["faq"][0]["questions"] = ["I'm locked out"]
    data["training_data"]["faq"].append(
        {"question": "Do you have a shop in Paris?", "questions": ["Paris store?"], "answer": "No."}
    )
    merged = built.with_alternatives_of(spec_from_data(data))
    assert merged.expected_label("i'm locked out") == data["training_data"]["faq"][0]["question"]
    assert merged.expected_label("Paris store?") is None
    assert merged.expected_label("Do you have a shop in Paris?") is None
