"""The schema revision this version of Pixel writes, known without alembic.

Why a constant: alembic (its imports and parsing every migration script) cost most of a
`pixel` command's start, only to learn that the store is already current. A store at
:data:`HEAD_REVISION` is recognised by one read of ``alembic_version``; alembic is imported
only to upgrade (store/migrate.py). tests/unit/store keeps the constant equal to alembic's
head, and :func:`head_is_newest_script` checks at run time that no newer script sits in
migrations/versions, so a stale constant can only make a start slower, never skip a
migration.
"""

from __future__ import annotations

import os
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions; revision ids are the 4-digit prefixes of the
# script file names (0001_seed_schema.py is revision "0001").
HEAD_REVISION = "0008"


def newest_script_revision() -> str | None:
    """The revision prefix of the newest script in migrations/versions (a folder listing)."""
    try:
        names = [n for n in os.listdir(MIGRATIONS_DIR / "versions") if n[:4].isdigit() and n.endswith(".py")]
    except OSError:
        return None
    return max(names)[:4] if names else None


def head_is_newest_script() -> bool:
    return newest_script_revision() == HEAD_REVISION
