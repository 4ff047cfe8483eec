"""`pixel projects ...` end to end through main(), on a real SQLite store in PIXEL_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.cli.main import main

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_slug_and_export_round_trips(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "projects", "import", str(SAMPLE))
    assert (code, out.strip()) == (0, "acme-support-bot")
    code, exported, _ = run(capsys, "projects", "export", "acme-support-bot")
    assert code == 0
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    assert run(capsys, "projects", "import", str(again), "--replace")[0] == 0
    assert run(capsys, "projects", "export", "acme-support-bot")[1] == exported


def test_existing_slug_is_refused_with_exit_2_unless_replace(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "projects", "import", str(SAMPLE))[0] == 0
    code, _, err = run(capsys, "projects", "import", str(SAMPLE))
    assert code == 2
    assert "already exists" in err and "--replace" in err
    assert len(err.strip().splitlines()) == 1
    assert run(capsys, "projects", "import", str(SAMPLE), "--replace")[0] == 0


def test_invalid_file_exits_2_names_the_field_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bot\nclient: C\ndeployment:\n  port: 99999\n", encoding="utf-8")
    code, out, err = run(capsys, "projects", "import", str(bad))
    assert code == 2
    assert out == ""
    assert "deployment.port" in err and "line 4" in err
    assert "Traceback" not in err
    # Nothing written: the store was never even created.
    assert not paths.database_file().exists() or run(capsys, "projects", "list", "--json")[1].strip() == "[]"


def test_list_show_and_delete(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "projects", "import", str(SAMPLE))
    code, out, _ = run(capsys, "projects", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [p["slug"] for p in listed] == ["acme-support-bot"]
    assert listed[0]["faq_entries"] >= 20
    code, out, _ = run(capsys, "projects", "show", "acme-support-bot", "--json")
    assert json.loads(out)["spec"]["client"] == "Acme Corp"
    assert run(capsys, "projects", "delete", "acme-support-bot")[0] == 0
    code, _, err = run(capsys, "projects", "show", "acme-support-bot")
    assert code == 2 and "acme-support-bot" in err


def test_store_option_overrides_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert run(capsys, "--store", f"sqlite:///{other}", "db", "init")[0] == 0  # a new store is created on request only
    assert run(capsys, "--store", f"sqlite:///{other}", "projects", "import", str(SAMPLE))[0] == 0
    assert other.exists()
    assert json.loads(run(capsys, "projects", "list", "--json")[1]) == []


def test_unknown_template_is_refused_at_import(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text("name: Bot\nclient: C\ntemplate: no-such-set\n", encoding="utf-8")
    code, _, err = run(capsys, "projects", "import", str(spec))
    assert code == 2
    assert "no-such-set" in err and "faq-assistant" in err


def test_search_without_matches_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "projects", "import", str(SAMPLE))
    code, out, err = run(capsys, "projects", "list", "--search", "zzz-nothing")
    assert code == 0 and out == ""
    assert "No projects match" in err


def test_export_to_a_file_leaves_no_temp_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "projects", "import", str(SAMPLE))
    target = tmp_path / "out" / "acme.yaml"
    target.parent.mkdir()
    assert run(capsys, "projects", "export", "acme-support-bot", "-o", str(target))[0] == 0
    assert [p.name for p in target.parent.iterdir()] == ["acme.yaml"]
    assert target.read_text(encoding="utf-8").startswith("spec_version: 1")


def test_show_counts_alternative_phrasings_and_names_the_retrieval_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text(
        "name: Small Bot\nclient: C\nretrieval: lexical\ntraining_data:\n  faq:\n"
        "  - question: How do I pay?\n    questions:\n    - Payment options?\n    - '  Can I use PayPal? '\n"
        "    answer: Card or PayPal.\n"
        "  - question: Are you open on Sunday?\n    answer: No.\n",
        encoding="utf-8",
    )
    assert run(capsys, "projects", "import", str(spec))[0] == 0
    code, out, _ = run(capsys, "projects", "show", "small-bot")
    assert code == 0
    lines = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in out.splitlines()}
    assert lines["FAQ entries"] == "2 (4 phrasings)"
    assert lines["Retrieval"] == "lexical"
    shown = json.loads(run(capsys, "projects", "show", "small-bot", "--json")[1])
    assert (shown["faq_entries"], shown["faq_phrasings"], shown["retrieval"]) == (2, 4, "lexical")
    assert shown["spec"]["training_data"]["faq"][0]["questions"] == ["Payment options?", "  Can I use PayPal? "]
    assert "questions" not in shown["spec"]["training_data"]["faq"][1]
    code, exported, _ = run(capsys, "projects", "export", "small-bot")
    assert "retrieval: lexical\n" in exported
    assert (
        "  - question: How do I pay?\n    questions:\n    - Payment options?\n    - '  Can I use PayPal? '\n"
        "    answer: Card or PayPal.\n  - question: Are you open on Sunday?\n    answer: No.\n"
    ) in exported
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    assert run(capsys, "projects", "import", str(again), "--replace")[0] == 0
    assert run(capsys, "projects", "export", "small-bot")[1] == exported


def test_sample_shows_entry_and_phrasing_counts_and_semantic_retrieval(capsys: pytest.CaptureFixture[str]) -> None:
    from pixel_desktop.spec import load_spec_file

    faq = load_spec_file(SAMPLE).training_data.faq
    run(capsys, "projects", "import", str(SAMPLE))
    _, out, _ = run(capsys, "projects", "show", "acme-support-bot")
    lines = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in out.splitlines()}
    phrasings = sum(1 + len(e.questions) for e in faq)
    assert lines["FAQ entries"] == f"{len(faq)} ({phrasings} phrasings)"
    assert lines["Retrieval"] == "semantic"


def test_list_and_show_print_escape_sequences_from_a_spec_as_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A spec's text cannot drive the terminal: colours, a window title, a cursor move over
    earlier lines or a bidi override are printed as visible escapes; JSON keeps them exact."""
    from pixel_desktop.spec import ProjectSpec, dump_spec

    name = "Evil\x1b[2J\x1b]0;pwned\x07 Bot"
    client = "Acme\u202e gnp.exe"
    description = "first\x1b[1A\rline\x9b31m"
    spec = ProjectSpec(name=name, slug="evil-bot", client=client, description=description)
    file = tmp_path / "evil.yaml"
    file.write_text(dump_spec(spec), encoding="utf-8")
    assert run(capsys, "projects", "import", str(file))[0] == 0

    for argv in (("projects", "list"), ("projects", "show", "evil-bot")):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        raw = [ch for ch in out if ch != "\n" and (ch < " " or "\x7f" <= ch <= "\x9f" or ch == "\u202e")]
        assert raw == [], f"{argv}: control characters reached the terminal: {raw!r}"
        assert "Evil\\x1b[2J\\x1b]0;pwned\\x07 Bot" in out and "Acme\\u202e gnp.exe" in out
    assert "first\\x1b[1A\\rline\\x9b31m" in out  # the show output has the description

    shown = json.loads(run(capsys, "projects", "show", "evil-bot", "--json")[1])
    assert (shown["name"], shown["client"], shown["spec"]["description"]) == (name, client, description)


def test_importing_several_files_stores_the_good_ones_and_names_each_bad_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: Good Bot\nclient: C\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bot\nclient: C\ndeployment:\n  port: 99999\n", encoding="utf-8")
    code, out, err = run(capsys, "projects", "import", str(SAMPLE), str(bad), str(good))
    assert code == 2
    assert out.split() == ["acme-support-bot", "good-bot"]
    assert f"pixel: {bad}: line 4: deployment.port" in err
    assert "2 of 3 files imported" in err and "Traceback" not in err
    listed = json.loads(run(capsys, "projects", "list", "--json")[1])
    assert sorted(p["slug"] for p in listed) == ["acme-support-bot", "good-bot"]
    code, out, err = run(capsys, "projects", "import", str(SAMPLE), str(good))
    assert (code, out) == (2, "")
    assert f"pixel: {SAMPLE}: A project with slug 'acme-support-bot' already exists. Use --replace" in err
    assert run(capsys, "projects", "import", str(SAMPLE), str(good), "--replace")[:2] == (
        0, "acme-support-bot\ngood-bot\n"
    )


def test_stdin_is_not_mixed_with_spec_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "projects", "import", "-", str(SAMPLE))
    assert (code, out) == (2, "")
    assert "- (stdin) alone" in err


def test_importing_the_sample_twice_says_how_to_reset_it_not_to_edit_a_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "projects", "import", "--sample")[0] == 0
    code, out, err = run(capsys, "projects", "import", "--sample")
    assert (code, out) == (2, "")
    assert "The sample is imported already; `pixel projects import --sample --replace` resets it" in err
    assert "change `slug` in the file" not in err
    assert run(capsys, "projects", "import", "--sample", "--replace")[:2] == (0, "acme-support-bot\n")
