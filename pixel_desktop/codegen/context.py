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


def requirements_for(files: Iterable[GeneratedFile]) -> str:
    """The generated requirements.txt, the key of the engine's wheelhouse cache."""
    for item in files:
        if item.path == "requirements.txt":
            return item.text
    raise InputError("The generated files have no requirements.txt; the template set is incomplete.")
