"""`pixel eval` bad input through main(): exit 2, one line on stderr, nothing on stdout, no Docker.

DOCKER_HOST points at a socket that does not exist: had the command tried to start anything,
it would have failed with exit 1 and a daemon message instead of the input error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop import paths
from pixel_desktop.cli.main import main
from pixel_desktop.codegen import render_project
from pixel_desktop.spec import load_spec_file
from pixel_desktop.store import Store

SLUG = "acme-support-bot"


@pytest.fixture(autouse=True)
def no_daemon(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")


@pytest.fixture
def builds() -> dict[str, int]:
    """The sample project with a completed build (image + generated files) and a failed one."""
    with Store.open(paths.default_store_url()) as store:
        project = store.projects.create(load_spec_file(paths.sample_spec_file()))
        good = store.builds.create(project.id)
        files = render_project(project.spec, project.spec.template, project_id=project.id)
        store.builds.add_artifacts(good.id, [(f.path, f.content, f.role) for f in files])
        store.builds.set_status(good.id, "completed", image_name=f"pixel/acme/{SLUG}:b{good.id}")
        failed = store.builds.create(project.id)
        store.builds.set_status(failed.id, "failed", error_message="boom")
        return {"good": good.id, "failed": failed.id}


def run_eval(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["eval", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def bad_input(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run_eval(capsys, *argv)
    assert (code, out) == (2, ""), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pixel: ")
    assert "Docker" not in lines[0] and "Traceback" not in err
    return lines[0]


def csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_columns_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    line = bad_input(capsys, SLUG, str(csv(tmp_path, "ask,answer\nHi,fallback\n")))
    assert "must name the columns question,expected" in line
    assert "Put `question,expected` on the first line" in line


def test_empty_csv_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    assert "is empty" in bad_input(capsys, SLUG, str(csv(tmp_path, "")))


def test_unknown_expected_exits_2_naming_line_and_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    path = csv(tmp_path, "question,expected\nhow to pay?,How do I pay with gold?\n")
    line = bad_input(capsys, SLUG, str(path))
    assert "line 2: expected 'How do I pay with gold?'" in line
    assert f"build {builds['good']}" in line and "fallback" in line


def test_unknown_slug_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    path = csv(tmp_path, "question,expected\nhi,fallback\n")
    assert "No project with slug 'nobody'" in bad_input(capsys, "nobody", str(path))


def test_build_without_image_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    path = csv(tmp_path, "question,expected\nhi,fallback\n")
    line = bad_input(capsys, SLUG, str(path), "--build", str(builds["failed"]))
    assert f"Build {builds['failed']} of {SLUG} has no image" in line


def test_unreadable_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    line = bad_input(capsys, SLUG, str(tmp_path / "nope.csv"))
    assert "Cannot read" in line and "nope.csv" in line


def test_project_without_builds_exits_2_with_the_build_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with Store.open(paths.default_store_url()) as store:
        store.projects.create(load_spec_file(paths.sample_spec_file()))
    path = csv(tmp_path, "question,expected\nhi,fallback\n")
    assert f"pixel build {SLUG}" in bad_input(capsys, SLUG, str(path))


def test_good_input_gets_as_far_as_the_daemon(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    """The counterpart of the tests above: valid input passes prepare and only then needs Docker."""
    path = csv(tmp_path, "question,expected\nhi,fallback\n")
    code, out, err = run_eval(capsys, SLUG, str(path))
    assert (code, out) == (1, "")
    assert "Cannot reach the Docker daemon" in err


def test_a_build_id_that_is_not_positive_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    path = csv(tmp_path, "question,expected\nhi,fallback\n")
    assert "positive integers" in bad_input(capsys, SLUG, str(path), "--build", "0")


def test_compare_with_the_build_being_evaluated_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    path = str(csv(tmp_path, "question,expected\nHi,fallback\n"))
    line = bad_input(capsys, SLUG, path, "--build", str(builds["good"]), "--compare", str(builds["good"]))
    assert f"--compare {builds['good']} is the build being evaluated" in line


def test_compare_with_a_build_without_image_exits_2_before_anything_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    path = str(csv(tmp_path, "question,expected\nHi,fallback\n"))
    line = bad_input(capsys, SLUG, path, "--compare", str(builds["failed"]))
    assert f"Build {builds['failed']} of {SLUG} has no image" in line


def test_compare_with_an_older_build_that_lacks_a_new_entry_asks_that_row_of_the_newer_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, builds: dict[str, int]
) -> None:
    """The change added an FAQ entry and the CSV a row expecting it: the old build cannot be
    checked on that row, so it is left out of its run instead of refusing the comparison."""
    from pixel_desktop.spec import spec_from_data
    from pixel_desktop.spec.yaml_io import spec_to_data

    with Store.open(paths.default_store_url()) as store:
        project = store.projects.get(SLUG)
        data = spec_to_data(project.spec)
        data["training_data"]["faq"].append({"question": "Do you ship to Mars?", "answer": "Not yet."})
        spec = spec_from_data(data)
        newer = store.builds.create(project.id)
        files = render_project(spec, spec.template, project_id=project.id)
        store.builds.add_artifacts(newer.id, [(f.path, f.content, f.role) for f in files])
        store.builds.set_status(newer.id, "completed", image_name=f"pixel/acme/{SLUG}:b{newer.id}")
    path = str(csv(tmp_path, "question,expected\nHi,fallback\nmars delivery?,Do you ship to Mars?\n"))

    code, out, err = run_eval(capsys, SLUG, path, "--build", str(newer.id), "--compare", str(builds["good"]))

    assert (code, out) == (1, "")  # checked, then it needs Docker (absent here)
    assert (
        f"Build {builds['good']} does not know the expected answer of 1 row(s) (line 3); "
        f"they are asked of build {newer.id} only." in err
    )
    assert "Cannot reach the Docker daemon" in err
    # Without --compare the older build still refuses the row, naming it.
    assert "line 3: expected 'Do you ship to Mars?'" in bad_input(capsys, SLUG, path, "--build", str(builds["good"]))
