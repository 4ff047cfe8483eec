"""Test modules must have unique names where pytest imports them by basename.

pytest's default import mode puts each test folder without an ``__init__.py`` on sys.path and
imports its modules by file name, so two ``test_x.py`` in two such folders stop the whole run
at collection in a clean checkout (a developer's stale ``__pycache__`` can hide it locally).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _import_name(path: Path) -> str:
    """The module name pytest gives ``path``: dotted through enclosing packages, else bare."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def test_no_two_test_modules_share_an_import_name() -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if "__pycache__" not in path.parts:
            seen[_import_name(path)].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert clashes == {}
