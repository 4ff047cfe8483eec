"""Every filesystem location the app uses, in one place.

``PIXEL_HOME`` overrides everything so tests, demos and several profiles can live side by
side; a frozen (PyInstaller) app finds its bundled data under ``sys._MEIPASS``.

The data folder holds clients' data (specs, build workspaces, logs, the SQLite store), so it
and its folders are private to the user (0700) and the database file is 0600; a folder or
file left more open by an older version is tightened when the app uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "pixel-ai-creator"
_PACKAGE_DIR = Path(__file__).resolve().parent


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """Remove group/other access from ``path`` if this user owns it (POSIX only: Windows
    permissions are ACLs, and a user profile folder is private there already)."""
    if os.name != "posix":
        return
    try:
        st = path.stat()
    except OSError:
        return
    if st.st_mode & 0o077 and st.st_uid == os.geteuid():
        path.chmod(mode)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by this user only; tighten it if it
    exists more open."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing, mode 0600 from the start (no window in which another
    user could open it); tighten an existing one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        if path.is_file():
            _tighten(path, PRIVATE_FILE_MODE)
    else:
        os.close(fd)
    return path


def home() -> Path:
    """Root of the user's data: database, logs, wheelhouse, build workspaces.

    A ``PIXEL_HOME`` that cannot be a folder (it names a file, or sits where nothing can be
    created) is bad input: one sentence naming it, exit 2, not a FileExistsError traceback.
    """
    from pixel_desktop.errors import InputError, PixelError

    env = os.environ.get("PIXEL_HOME")
    if env:
        base = Path(env).expanduser()
    else:
        import platformdirs  # imported only when PIXEL_HOME does not say where

        base = Path(platformdirs.user_data_dir(APP_NAME, False))
    try:
        return private_dir(base)
    except OSError as exc:
        reason = "it is a file, not a folder" if base.exists() and not base.is_dir() else exc.strerror
        if env:
            raise InputError(
                f"PIXEL_HOME={env} cannot be the data folder: {reason}.",
                hint="Point PIXEL_HOME at a folder (it is created if missing), or unset it.",
            ) from None
        raise PixelError(f"Cannot create the data folder {base}: {reason}.") from None


def _sub(name: str) -> Path:
    return private_dir(home() / name)


def database_file() -> Path:
    return home() / "pixel.db"


def default_store_url() -> str:
    return f"sqlite:///{database_file()}"


def logs_dir() -> Path:
    return _sub("logs")


def build_logs_dir() -> Path:
    return _sub("logs/builds")


def wheelhouse_dir() -> Path:
    return _sub("wheelhouse")


def workspaces_dir() -> Path:
    return _sub("workspaces")


def backups_dir() -> Path:
    return _sub("backups")


def settings_file() -> Path:
    return home() / "settings.json"


def _data_root() -> Path:
    """Where bundled data (templates, examples, resources) lives for this kind of install."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    installed = _PACKAGE_DIR / "_data"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent  # source checkout / editable install


def templates_root() -> Path:
    override = os.environ.get("PIXEL_TEMPLATES_DIR")
    return Path(override) if override else _data_root() / "build-templates"


def examples_dir() -> Path:
    return _data_root() / "examples"


def resources_dir() -> Path:
    return _data_root() / "resources"


def sample_spec_file() -> Path:
    return examples_dir() / "acme-support.yaml"


def ensure_inside(root: Path, candidate: Path) -> Path:
    """Resolve ``candidate`` and refuse it unless it stays inside ``root``.

    User-controlled names end up in paths (slugs, generated file names); this is the one
    check that keeps them from escaping their folder through ``..`` or symlinks.
    """
    root_r = root.resolve()
    cand_r = (root / candidate).resolve() if not candidate.is_absolute() else candidate.resolve()
    if cand_r != root_r and root_r not in cand_r.parents:
        from pixel_desktop.errors import InputError

        raise InputError(f"Path {candidate} would leave {root}; refusing to write it.")
    return cand_r
