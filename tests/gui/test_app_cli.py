"""`pixel-desktop --screenshot` and `scripts/run-app.sh` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **extra}
    env.pop("PIXEL_STORE_URL", None)
    return env


def _run_app(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixel_desktop.gui.app", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(**env),
        cwd=ROOT,
    )


def test_screenshot_on_an_empty_store_imports_the_sample_and_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "shots" / "editor.png"
    result = _run_app("--screenshot", str(out), "--project", "acme-support-bot", "--tab", "editor")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    assert "Traceback" not in result.stderr


def test_screenshot_of_the_files_tab(tmp_path: Path) -> None:
    out = tmp_path / "files.png"
    result = _run_app("--screenshot", str(out), "--tab", "files", "--size", "1200x800")
    assert result.returncode == 0, result.stderr
    assert QImage(str(out)).width() == 1200


def test_screenshot_of_an_unknown_project_says_so(tmp_path: Path) -> None:
    result = _run_app("--screenshot", str(tmp_path / "x.png"), "--project", "no-such-bot")
    assert result.returncode == 2
    assert "no-such-bot" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_a_screenshot_that_cannot_finish_in_time_gives_up_with_a_sentence_and_no_file(tmp_path: Path) -> None:
    """The watchdog is a timer of its own: it fires even before the first paint starts the
    capture (here at once: the capture needs several 50 ms ticks after loading)."""
    out = tmp_path / "late.png"
    result = _run_app("--screenshot", str(out), PIXEL_SCREENSHOT_TIMEOUT_S="0.001")
    assert result.returncode == 1
    assert "did not finish loading within 0.001 s; no screenshot written." in result.stderr
    assert not out.exists() and "Traceback" not in result.stderr


def test_run_app_without_a_display_prints_one_sentence_and_fails() -> None:
    env = _env()
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    venv = Path(sys.executable).parent.parent
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "run-app.sh"), str(venv)],
        capture_output=True, text=True, timeout=60, env=env, cwd=ROOT,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no display" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0] and "pixel" in lines[0]


def test_pixel_desktop_itself_without_a_display_says_what_to_do_instead_of_aborting() -> None:
    """The installed menu entry runs `pixel-desktop`, not run-app.sh: Qt would abort there."""
    env = {k: v for k, v in _env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "pixel_desktop.gui.app"],
        capture_output=True, text=True, timeout=60, env=env, cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr  # not -6 (SIGABRT)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pixel-desktop: no display found")
    assert "QT_QPA_PLATFORM=offscreen" in lines[0] and "`pixel`" in lines[0]


def test_a_store_password_on_the_app_command_line_warns_and_points_to_the_env_var(tmp_path: Path) -> None:
    url = "postgresql+psycopg://alice:Sup3rS3cret@127.0.0.1:1/pixel"  # unreachable on purpose
    result = _run_app("--store", url, "--screenshot", str(tmp_path / "x.png"))
    first = result.stderr.splitlines()[0]
    assert first.startswith("pixel-desktop: warning:") and "PIXEL_STORE_URL" in first
    assert "Sup3rS3cret" not in result.stderr


def test_the_screenshot_timeout_from_the_environment_is_a_positive_finite_timer_length() -> None:
    from pixel_desktop.gui.app import MAX_TIMER_S, SCREENSHOT_TIMEOUT_S, screenshot_timeout_s

    assert screenshot_timeout_s(False, {"PIXEL_SCREENSHOT_TIMEOUT_S": "2.5"}) == 2.5
    for bad in ("inf", "nan", "-1", "0", "soon"):
        assert screenshot_timeout_s(False, {"PIXEL_SCREENSHOT_TIMEOUT_S": bad}) == SCREENSHOT_TIMEOUT_S, bad
    assert screenshot_timeout_s(False, {"PIXEL_SCREENSHOT_TIMEOUT_S": "3e6"}) == MAX_TIMER_S  # Qt's limit
