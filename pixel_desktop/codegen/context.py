"""Writing generated files to disk: preview folders and Docker build contexts."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pixel_desktop.codegen.model import GeneratedFile
from pixel_desktop.errors import InputError
from pixel_desktop.paths import ensure_inside

WHEELS_DIR = "wheels"


def write_files(files: Iterable[GeneratedFile], dest: Path) -> list[Path]:
    """Write ``files`` under ``dest`` (created if needed); every path is checked to stay inside."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for item in files:
        target = ensure_inside(dest, Path(item.path))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".pixel-tmp")
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()  # never write through a planted link
            with open(tmp, "xb") as handle:
                handle.write(item.content)
            os.replace(tmp, target)
        except OSError as exc:
            raise InputError(f"Cannot write {target}: {exc.strerror}.") from exc
        written.append(target)
    return written


def write_build_context(files: Iterable[GeneratedFile], dest: Path) -> Path:
    """Assemble a Docker build context in ``dest`` and return it.

    The engine then fills ``dest/wheels/`` with the wheelhouse for ``requirements_for(files)``;
    the Dockerfile copies ``wheels/`` and installs from it with ``--no-index``.
    """
    write_files(files, dest)
    ensure_inside(dest, Path(WHEELS_DIR)).mkdir(exist_ok=True)
    return dest


# Separates, in requirements_for()'s text, the pins resolved with their dependencies from
# those downloaded as they are (requirements-no-deps.txt, requirements-build-only.txt).
NO_DEPS_MARKER = "# pixel: the pins below are downloaded with --no-deps"
_NO_DEPS_FILES = ("requirements-no-deps.txt", "requirements-build-only.txt")


def requirements_for(files: Iterable[GeneratedFile]) -> str:
    """Every pin the build context's wheels/ must hold: the engine's wheelhouse cache key.

    requirements.txt first; then, after ``NO_DEPS_MARKER``, the pins the Dockerfile installs
    with --no-deps (only when there are any, so a lexical build keeps its old key).
    """
    by_path = {item.path: item.text for item in files}
    if "requirements.txt" not in by_path:
        raise InputError("The generated files have no requirements.txt; the template set is incomplete.")
    extra = [
        line.strip()
        for name in _NO_DEPS_FILES
        for line in by_path.get(name, "").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not extra:
        return by_path["requirements.txt"]
    return by_path["requirements.txt"].rstrip("\n") + f"\n{NO_DEPS_MARKER}\n" + "\n".join(extra) + "\n"
