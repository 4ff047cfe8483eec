"""Fingerprint of everything that goes into the bundle, to tell a fresh dist/ from a stale one.

build.sh writes it next to the bundle (``dist/pixel-desktop.inputs``) after a successful
build; the bundle test rebuilds when the recorded value differs from the current one. It
hashes file *contents* (not mtimes, which a checkout or rebase rewrites) of the app package,
the bundled data, the packaging files, pyproject.toml and the installed distributions' names
and versions (a dependency upgrade changes the bundle too).
"""

from __future__ import annotations

import hashlib
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ("pixel_desktop", "build-templates", "examples", "resources", "packaging")
FILES = ("pyproject.toml",)
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for tree in TREES:
        for path in (root / tree).rglob("*"):
            if path.is_file() and not SKIP_PARTS.intersection(path.parts) and path.suffix != ".pyc":
                out.append(path)
    out += [root / name for name in FILES if (root / name).is_file()]
    return sorted(out)


def inputs_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    dists = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"]
    )
    digest.update("\n".join(dists).encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


if __name__ == "__main__":
    print(inputs_hash())
