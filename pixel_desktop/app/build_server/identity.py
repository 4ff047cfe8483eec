"""Which build server a `pixel build` may hand its build to, and where that server listens.

Why a fingerprint: a server builds exactly as the calling process would only when it runs
the same code, with the same environment, settings and store (and working folder, when a
path the build reads is relative to it). Everything
that can change a build goes into one hash; the socket is named after it, so a process
never talks to a server that would build differently (an upgrade, an edited settings file,
another ``DOCKER_HOST`` or ``PIXEL_STORE_URL`` each lead to a server of their own, and the
old one exits when it has been idle long enough).

Why the socket lives outside ``PIXEL_HOME``: a Unix socket path is limited to about a
hundred bytes, which a deep data folder exceeds; the runtime folder is private to the user
(0700, checked on every use) and the server checks its peer's uid as well.

Only the standard library is imported here: this runs before every `pixel build`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from pixel_desktop import __version__, paths

PACKAGE_DIR = Path(__file__).resolve().parents[2]

# Variables a shell or terminal changes between two commands without changing what a
# build does; everything else in the environment is part of the fingerprint (an unknown
# variable costs at worst a second server, never a build made with the wrong settings).
VOLATILE_ENV = frozenset(
    {
        "_", "PWD", "OLDPWD", "SHLVL", "COLUMNS", "LINES", "PS1", "PS2", "PROMPT_COMMAND",
        "WINDOWID", "TMUX_PANE", "STY", "SSH_TTY", "SSH_CLIENT", "SSH_CONNECTION",
        "TERM_SESSION_ID", "ITERM_SESSION_ID", "SECURITYSESSIONID", "SHELL_SESSION_ID",
        "GNOME_TERMINAL_SCREEN", "KITTY_WINDOW_ID", "WEZTERM_PANE", "ALACRITTY_WINDOW_ID",
        "TERM", "TMUX", "COLORTERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "GPG_TTY",
        "HISTFILE", "HISTSIZE",
        "PIXEL_BUILD_SERVER", "PIXEL_BUILD_SERVER_STORE", "PYTEST_CURRENT_TEST",
        # The frozen bundle's bootloader bookkeeping (the executable's stamp covers the code).
        "PYINSTALLER_RESET_ENVIRONMENT", "LD_LIBRARY_PATH_ORIG",
    }
)
# Per-window or per-folder bookkeeping of editors and shell hooks, and PyInstaller's.
VOLATILE_PREFIXES = ("VSCODE_", "DIRENV_", "_PYI_", "_MEI")

# macOS allows 104 bytes in sun_path, Linux 108; the shorter bound holds on both.
MAX_SOCKET_PATH = 103
OFF_VALUES = frozenset({"0", "off", "false", "no"})
FAILED_RETRY_S = 600.0


def disabled() -> bool:
    """``PIXEL_BUILD_SERVER=off`` (or 0/false/no) builds in the calling process, always."""
    return os.environ.get("PIXEL_BUILD_SERVER", "").strip().lower() in OFF_VALUES


def supported() -> bool:
    """Unix sockets and a real fork/exec model: Linux and macOS (Windows builds in process)."""
    return hasattr(socket, "AF_UNIX") and os.name == "posix"


def idle_seconds() -> float:
    """How long a server with no build and no client stays up (``PIXEL_BUILD_SERVER_IDLE_S``,
    default 15 minutes): long enough for an edit-build loop, short enough not to linger."""
    raw = os.environ.get("PIXEL_BUILD_SERVER_IDLE_S", "")
    try:
        value = float(raw) if raw else 900.0
    except ValueError:
        value = 900.0
    return max(value, 1.0)


def _code_stamp() -> list[object]:
    """What identifies the running code: the frozen executable, or every file of the package
    (a checkout edited in place is new code; 200-odd stats cost about a millisecond)."""
    if getattr(sys, "frozen", False):
        st = os.stat(sys.executable)
        return ["frozen", sys.executable, st.st_mtime_ns, st.st_size]
    return ["source", *_tree_stamp(PACKAGE_DIR)]


def _tree_stamp(root: Path) -> list[object]:
    """Newest modification time and file count under ``root``: a package edited in place
    is new code, and a warm server must not render a template set edited since it started."""
    newest, count = 0, 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            try:
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
            except OSError:
                continue
            count += 1
    return [str(root), newest, count]


def _stat_stamp(path: str | os.PathLike[str]) -> list[object] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [str(path), st.st_mtime_ns, st.st_size]


def _process_stamp() -> dict[str, object]:
    """What the process itself brings besides its environment: installed packages (a pip
    install or upgrade changes a site-packages folder), group memberships (e.g. just added
    to the docker group), the umask, and the Docker CLI config docker-py reads."""
    umask = os.umask(0o022)
    os.umask(umask)
    docker_config = os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker")
    return {
        # Only package folders: sys.path's first entry differs between the `pixel` script
        # and `python -P -m` (the server), and says nothing about what is installed.
        "packages": [_stat_stamp(p) for p in sys.path if p.endswith(("site-packages", "dist-packages"))],
        "uid": os.geteuid(),
        "groups": sorted(os.getgroups()),
        "umask": umask,
        "docker_config": _stat_stamp(os.path.join(docker_config, "config.json")),
    }


def _settings_stamp() -> list[object] | None:
    try:
        st = paths.settings_file().stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def runtime_dir() -> Path:
    """The user's private folder for server sockets: ``$XDG_RUNTIME_DIR/pixel-ai-creator``
    where the session has one, else ``$TMPDIR/pixel-ai-creator-<uid>``."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isdir(xdg):
        return Path(xdg) / paths.APP_NAME
    return Path(os.environ.get("TMPDIR") or "/tmp") / f"{paths.APP_NAME}-{os.geteuid()}"


def private_runtime_dir() -> Path | None:
    """The runtime folder, created 0700; None when it is not ours alone (a symlink, another
    owner, group or other access), in which case no server is used."""
    folder = runtime_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        return None
    return folder


@dataclass(frozen=True, slots=True)
class Identity:
    """One server's identity: the fingerprint, the data folder it serves and its files."""

    fingerprint: str
    home: str
    folder: Path

    @property
    def socket_path(self) -> Path:
        return self.folder / f"bs-{self.fingerprint}.sock"

    @property
    def lock_path(self) -> Path:
        return self.folder / f"bs-{self.fingerprint}.lock"

    @property
    def info_path(self) -> Path:
        return self.folder / f"bs-{self.fingerprint}.json"

    @property
    def usable(self) -> bool:
        return len(os.fsencode(self.socket_path)) <= MAX_SOCKET_PATH

    @property
    def failed_path(self) -> Path:
        """Left by a `pixel build` whose server could not start: later builds with the same
        identity build in process without trying again (for FAILED_RETRY_S)."""
        return self.folder / f"bs-{self.fingerprint}.failed"


# Variables naming a file or folder; a relative one depends on the working folder.
PATH_VARIABLES = ("PIXEL_HOME", "PIXEL_TEMPLATES_DIR", "PIXEL_SSH_KNOWN_HOSTS", "DOCKER_CERT_PATH", "DOCKER_CONFIG")


def _relative_store(url: str | None) -> bool:
    if not url:
        return False
    return url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url


def _depends_on_cwd(env: dict[str, str], store_arg: str | None) -> bool:
    """Does anything this build reads name a path relative to the working folder? Only
    then is the folder part of the identity (else `cd` would start a server per folder)."""
    for name in PATH_VARIABLES:
        value = env.get(name)
        if value and not os.path.isabs(os.path.expanduser(value)):
            return True
    return _relative_store(store_arg) or _relative_store(env.get("PIXEL_STORE_URL"))


def fingerprint(store_arg: str | None, *, environ: dict[str, str] | None = None, cwd: str | None = None) -> str:
    """The hash of everything a build depends on besides the store's contents."""
    env = dict(os.environ if environ is None else environ)
    home = str(paths.home())
    material = {
        "version": __version__,
        "python": [sys.executable, sys.version],
        "code": _code_stamp(),
        "templates": _tree_stamp(paths.templates_root()),
        "process": _process_stamp(),
        "settings": _settings_stamp(),
        "home": home,
        "store": store_arg,
        "cwd": (cwd if cwd is not None else os.getcwd()) if _depends_on_cwd(env, store_arg) else None,
        "env": sorted(
            (k, v) for k, v in env.items() if k not in VOLATILE_ENV and not k.startswith(VOLATILE_PREFIXES)
        ),
    }
    blob = json.dumps(material, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]  # short: the socket path has ~100 bytes


def current(store_arg: str | None) -> Identity | None:
    """This process's server identity, or None when no server can be used here."""
    folder = private_runtime_dir()
    if folder is None:
        return None
    ident = Identity(fingerprint(store_arg), str(paths.home()), folder)
    return ident if ident.usable else None


def known_servers(home: str) -> list[dict[str, object]]:
    """The info files of servers for ``home`` (any fingerprint), newest first."""
    folder = private_runtime_dir()
    if folder is None:
        return []
    found: list[dict[str, object]] = []
    for info in folder.glob("bs-*.json"):
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("home") == home:
            data["info_path"] = str(info)
            found.append(data)
    found.sort(key=lambda d: float(str(d.get("started_at", 0))), reverse=True)
    return found
