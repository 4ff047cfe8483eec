"""Template sets and code generation: what a build would send to Docker, without a build.

Files are written into a private temp folder next to the output and moved into place only
when all of them are written, so a refused or failed generate leaves the output folder (and
its parent) as it was.
"""

from __future__ import annotations

import builtins
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pixel_desktop.app.context import AppContext
from pixel_desktop.codegen import GeneratedFile, TemplateSet
from pixel_desktop.errors import InputError
from pixel_desktop.spec import ProjectSpec, load_spec_file


@dataclass(frozen=True, slots=True)
class Generated:
    slug: str
    folder: Path
    files: int
    semantic: bool  # by-hand runs need the embedding model exported first (README "Run it")


class Templates:
    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def list(self) -> builtins.list[TemplateSet]:
        from pixel_desktop.codegen import list_template_sets

        return list_template_sets()

    def names(self) -> builtins.list[str]:
        return [t.name for t in self.list()]

    def render(
        self, spec: ProjectSpec, project_id: int | None = None, template: str | None = None
    ) -> builtins.list[GeneratedFile]:
        from pixel_desktop.codegen import render_project

        return render_project(
            spec,
            template or spec.template,
            base_image=self._ctx.settings.effective_base_image(),
            project_id=project_id,
        )

    def generate(
        self,
        output: Path,
        *,
        slug: str | None = None,
        spec_file: Path | None = None,
        template: str | None = None,
        force: bool = False,
    ) -> Generated:
        """Render a stored project (``slug``) or a spec file into ``output``, all or nothing."""
        if bool(slug) == bool(spec_file):
            raise InputError("Give either a project SLUG or --spec FILE (exactly one).")
        if spec_file:
            spec = load_spec_file(Path(spec_file))
            project_id = None
        else:
            record = self._ctx.store.projects.get(slug or "")
            spec, project_id = record.spec, record.id
        dest = Path(output)
        if dest.exists() and not dest.is_dir():
            raise InputError(f"{dest} exists and is not a folder; choose another --output.")
        if dest.is_dir() and any(dest.iterdir()) and not force:
            raise InputError(
                f"{dest} is not empty.",
                hint="Choose an empty folder, or pass --force to overwrite files in it.",
            )
        files = self.render(spec, project_id, template)
        write_atomically(files, dest)
        return Generated(spec.project_slug, dest, len(files), spec.retrieval == "semantic")


def write_atomically(files: list[GeneratedFile], dest: Path) -> None:
    """Write ``files`` to ``dest`` all or nothing (see the module docstring).

    A new or empty ``dest`` is replaced by the finished temp folder in one rename; with
    ``force`` into a folder that has files, the finished files are moved in one by one.
    """
    from pixel_desktop.codegen import write_files

    missing = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
    made_root = missing[-1] if missing else None  # the top folder this call creates
    tmp: Path | None = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".pixel-tmp", dir=dest.parent))
        write_files(files, tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output is an ordinary folder
        if dest.is_dir() and any(dest.iterdir()):  # force: merge file by file
            for source in sorted(p for p in tmp.rglob("*") if not p.is_dir()):
                target = dest / source.relative_to(tmp)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        else:
            if dest.is_dir():
                dest.rmdir()
            os.rename(tmp, dest)
            tmp = None
    except InputError as exc:  # from write_files: name the output, not the temp folder
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        message = exc.message.replace(str(tmp), str(dest)) if tmp is not None else exc.message
        raise InputError(message, hint=exc.hint) from None
    except OSError as exc:
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        blocker = next((p for p in (dest.parent, *dest.parent.parents) if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a folder" if blocker is not None else (exc.strerror or str(exc))
        raise InputError(
            f"Cannot write {dest}: {reason}.",
            hint="Choose an --output folder you can write to.",
        ) from None
    except BaseException:
        if made_root is not None:
            shutil.rmtree(made_root, ignore_errors=True)
        raise
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
