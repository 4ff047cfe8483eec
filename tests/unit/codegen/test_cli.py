"""`pixel templates list` and `pixel generate` through main(), on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixel_desktop.cli.main import main
from pixel_desktop.codegen import render_project
from pixel_desktop.spec import load_spec_file

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_templates_list_shows_both_sets(capsys):
    code, out, _ = run(capsys, "templates", "list")
    assert code == 0
    assert out.splitlines()[0].split() == ["NAME", "MODE", "DESCRIPTION"]
    assert "faq-assistant" in out and "llm-assistant" in out


def test_templates_list_json(capsys):
    code, out, _ = run(capsys, "templates", "list", "--json")
    listed = json.loads(out)
    assert code == 0
    assert [t["name"] for t in listed] == ["faq-assistant", "llm-assistant"]
    assert {"name", "description", "mode", "variables", "path"} <= set(listed[0])


def test_generate_from_store_writes_the_rendered_files_with_project_id(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PIXEL_BASE_IMAGE", "pixel-local/python:3.11-bookworm")
    assert run(capsys, "projects", "import", str(SAMPLE))[0] == 0
    code, _, err = run(capsys, "generate", "acme-support-bot", "-o", str(tmp_path / "out"))
    assert code == 0, err
    files = _tree(tmp_path / "out")
    expected = render_project(load_spec_file(SAMPLE), "faq-assistant",
                              base_image="pixel-local/python:3.11-bookworm", project_id=1)
    assert files == {f.path: f.content for f in expected}
    assert b"PROJECT_ID: int | None = 1\n" in files["config/settings.py"]
    # A semantic service needs its model and index made before its tests: the README says how.
    assert f'follow "Run it" in {tmp_path / "out" / "README.md"}' in err


def test_generate_of_a_lexical_project_says_how_to_test_it_in_one_line(capsys, tmp_path):
    spec = tmp_path / "lexical.yaml"
    spec.write_text(SAMPLE.read_text().replace("retrieval: semantic", "retrieval: lexical"))
    code, _, err = run(capsys, "generate", "--spec", str(spec), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert f"pytest {tmp_path / 'out' / 'tests'}" in err


def test_generate_from_spec_file_with_template_override(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("PIXEL_BASE_IMAGE", raising=False)  # the documented default applies
    code, _, err = run(capsys, "generate", "--spec", str(SAMPLE), "-o", str(tmp_path / "o"),
                       "--template", "llm-assistant")
    assert code == 0, err
    assert (tmp_path / "o" / "assistant" / "llm.py").is_file()
    assert b"FROM python:3.12-slim\n" in (tmp_path / "o" / "Dockerfile").read_bytes()


def test_generate_refuses_non_empty_folder_unless_forced(capsys, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run(capsys, "generate", "--spec", str(SAMPLE), "-o", str(out))
    assert code == 2 and "not empty" in err and "--force" in err
    assert run(capsys, "generate", "--spec", str(SAMPLE), "-o", str(out), "--force")[0] == 0
    assert (out / "keep.txt").read_text() == "mine" and (out / "main.py").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "-o", "X"], "exactly one"),
        (["generate", "acme-support-bot", "--spec", str(SAMPLE), "-o", "X"], "exactly one"),
        (["generate", "no-such-project", "-o", "X"], "no-such-project"),
        (["generate", "--spec", str(SAMPLE), "-o", "X", "--template", "nope"], "Available: faq-assistant, llm-assistant"),
    ],
)
def test_generate_bad_input_exits_2_with_a_clear_message(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert not (tmp_path / "X").exists()
