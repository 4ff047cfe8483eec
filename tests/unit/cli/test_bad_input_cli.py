"""Bad input ends in exit 2, one line on stderr, and nothing changed on disk or in the store.

One test per way this used to break: a traceback-like "unexpected error" with exit 1, a
file read to the end before the size check, an empty store silently created by a typo, or
a half-written output folder.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from pixel_desktop.cli.main import main

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "unexpected error" not in err
    for word in words:
        assert word in err


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_list_as_a_yaml_key_is_refused_with_its_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "keys.yaml"
    spec.write_text("spec_version: 1\nname: Bot\nclient: C\nllm:\n  ? [a, b]\n  : 1\n", encoding="utf-8")
    code, _, err = run(capsys, "projects", "import", str(spec))
    assert_refused(code, err, "line 5", "plain field name")
    assert run(capsys, "projects", "list", "--json")[1].strip() == "[]"


def test_a_build_id_too_large_for_the_database_is_simply_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    huge = str(10**30)
    for argv in (("builds", "show", huge), ("builds", "cancel", huge)):
        code, _, err = run(capsys, *argv)
        assert_refused(code, err, f"No build {huge}")


def test_export_to_an_unwritable_output_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "projects", "import", str(SAMPLE))[0] == 0
    code, _, err = run(capsys, "projects", "export", "acme-support-bot", "-o", "/proc/pixel-test/x.yaml")
    assert_refused(code, err, "Cannot write /proc/pixel-test/x.yaml")


def test_generate_into_an_unwritable_output_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "projects", "import", str(SAMPLE))[0] == 0
    code, _, err = run(capsys, "generate", "acme-support-bot", "-o", "/proc/pixel-test-out")
    assert_refused(code, err, "Cannot write /proc/pixel-test-out", "--output")
    code, _, err = run(capsys, "generate", "acme-support-bot", "-o", "/dev/null/out")
    assert_refused(code, err, "/dev/null is a file, not a folder")


def test_pixel_home_naming_a_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("mine", encoding="utf-8")
    monkeypatch.setenv("PIXEL_HOME", str(a_file))
    code, _, err = run(capsys, "projects", "list")
    assert_refused(code, err, f"PIXEL_HOME={a_file}", "is a file")
    assert a_file.read_text(encoding="utf-8") == "mine"


def test_a_store_url_that_does_not_parse_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--store", "pixel.db", "projects", "list")
    assert_refused(code, err, "not a database URL", "sqlite:///")


def test_importing_an_endless_file_reads_only_up_to_the_size_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pixel_desktop.spec import yaml_io

    monkeypatch.setattr(yaml_io, "MAX_SPEC_BYTES", 1024)
    read_sizes: list[int] = []
    real_open = open

    def spying_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real_open(*args, **kwargs)
        real_read = handle.read

        def read(size: int = -1) -> bytes:
            read_sizes.append(size)
            return real_read(size)

        handle.read = read
        return handle

    monkeypatch.setattr(yaml_io, "open", spying_open, raising=False)
    code, _, err = run(capsys, "projects", "import", "/dev/zero")
    assert_refused(code, err, "/dev/zero", "larger than")
    assert read_sizes == [1025]  # one bounded read, never "read everything"


def test_a_mistyped_sqlite_path_is_refused_instead_of_creating_an_empty_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    typo = tmp_path / "pixle.db"
    code, _, err = run(capsys, "--store", f"sqlite:///{typo}", "projects", "list")
    assert_refused(code, err, f"There is no SQLite store at {typo}", "pixel db init")
    assert not typo.exists()
    no_folder = tmp_path / "no-such-folder" / "pixel.db"
    code, _, err = run(capsys, "--store", f"sqlite:///{no_folder}", "projects", "list")
    assert_refused(code, err, "does not exist")
    assert not no_folder.parent.exists()
    # Asked for explicitly, a new store is created; then it is used like any other.
    assert run(capsys, "--store", f"sqlite:///{typo}", "db", "init")[0] == 0
    assert run(capsys, "--store", f"sqlite:///{typo}", "projects", "import", str(SAMPLE))[0] == 0


def test_a_generate_that_fails_midway_leaves_no_partly_written_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pixel_desktop.codegen import context

    assert run(capsys, "projects", "import", str(SAMPLE))[0] == 0
    calls = {"n": 0}
    real_open = open

    def disk_full_after_three_files(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(*args, **kwargs)

    monkeypatch.setattr(context, "open", disk_full_after_three_files, raising=False)
    out = tmp_path / "parent" / "service"
    code, _, err = run(capsys, "generate", "acme-support-bot", "-o", str(out))
    assert_refused(code, err, "No space left on device", f"Cannot write {out}/")
    assert ".pixel-tmp" not in err
    assert not out.exists() and not out.parent.exists()
    # An existing empty folder is left empty, with no temp folder beside it.
    out.mkdir(parents=True)
    calls["n"] = 0
    code, _, err = run(capsys, "generate", "acme-support-bot", "-o", str(out))
    assert_refused(code, err, "No space left on device")
    assert _files(out.parent) == ["service"]
