"""`pixel --store URL`: a password on the command line is visible to every user in `ps`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.cli.main import main


def test_a_store_url_with_a_password_on_the_command_line_warns_and_points_to_the_env_var(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Unreachable on purpose: the warning must come before any connection attempt, and must
    # not repeat the password it warns about.
    code = main(["--store", "postgresql+psycopg://alice:Sup3rS3cret@127.0.0.1:1/pixel", "db", "info"])
    err = capsys.readouterr().err
    warning = err.splitlines()[0]
    assert warning.startswith("pixel: warning:") and "PIXEL_STORE_URL" in warning and "ps" in warning
    assert "Sup3rS3cret" not in err
    assert code == 1


def test_a_store_url_without_a_password_gives_no_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--store", f"sqlite:///{tmp_path / 'pixel.db'}", "db", "init"]) == 0
    assert "warning" not in capsys.readouterr().err
