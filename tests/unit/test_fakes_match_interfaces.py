"""The test fakes are type-checked against the interfaces they stand in for.

Why a test and not only the Makefile line: a unit test that passes against a fake proves
nothing once the fake no longer looks like the real store, pipeline or gateway. Each fake
module ends with ``if TYPE_CHECKING:`` assignments to the ports (store/ports.py, the job
runner's Pipeline, the eval Gateway, ...), so mypy over the fakes fails when they drift.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAKES = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests").glob("*_fakes.py"))
MYPY_TIMEOUT_S = 600


def _mypy(*files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=MYPY_TIMEOUT_S,
    )


def test_every_fake_module_type_checks_against_the_ports_it_stands_in_for() -> None:
    assert "tests/store_fakes.py" in FAKES
    result = _mypy(*FAKES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("real", "drifted", "complaint"),
    [
        # The real store's method is renamed; the fake keeps the old name.
        (
            "    def append_log(self, build_id: int, lines: list[str]) -> None:",
            "    def append_lines(self, build_id: int, lines: list[str]) -> None:",
            'builds: expected "BuildLogs", got "FakeBuilds"',
        ),
        # A fake record type instead of the real BuildRecord.
        (
            "    def get(self, build_id: int) -> BuildRecord:",
            "    def get(self, build_id: int) -> dict[str, int]:",
            "RunnerStore",
        ),
        # An unannotated method would match any Protocol: the fakes must be fully typed.
        (
            "    def count_by_status(self) -> dict[str, int]:",
            "    def count_by_status(self):",
            "no-untyped-def",
        ),
    ],
    ids=["renamed-method", "wrong-record-type", "unannotated-method"],
)
def test_a_store_fake_that_drifts_from_the_real_interface_fails_the_check(
    tmp_path: Path, real: str, drifted: str, complaint: str
) -> None:
    source = (REPO / "tests" / "store_fakes.py").read_text(encoding="utf-8")
    assert source.count(real) == 1
    fake = tmp_path / "store_fakes.py"  # the module name the mypy override applies to
    fake.write_text(source.replace(real, drifted), encoding="utf-8")
    result = _mypy(str(fake))
    assert result.returncode == 1, result.stdout + result.stderr
    assert complaint in result.stdout
