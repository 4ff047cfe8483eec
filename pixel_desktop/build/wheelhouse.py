"""Host-side wheel cache so that images install dependencies with ``pip install --no-index``.

Why: the image build must not need the network (demos offline, no registry/PyPI from the
daemon), and the dependency layer must be byte-identical between builds so Docker's cache
hits. Wheels are downloaded once per (requirements hash, target Python ABI, platform) by the
*host's* pip for the *image's* interpreter and architecture, into a temp dir that is renamed
into place only when complete — a crashed download never leaves a half cache behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from pixel_desktop import paths
from pixel_desktop.codegen.context import NO_DEPS_MARKER
from pixel_desktop.docker.models import ImageInfo
from pixel_desktop.errors import BuildError, CancelledError

PROBE_SCRIPT = (
    "import json, platform, sys; "
    "print(json.dumps({'major': sys.version_info[0], 'minor': sys.version_info[1], "
    "'implementation': sys.implementation.name, 'machine': platform.machine(), "
    "'libc': platform.libc_ver()[0], 'libc_version': platform.libc_ver()[1]}))"
)
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
_LOCK = threading.Lock()  # one download per process at a time; builds share the cache


@dataclass(frozen=True, slots=True)
class TargetPython:
    """The interpreter and platform inside the base image, as pip's target flags need them."""

    major: int
    minor: int
    implementation: str
    machine: str
    libc: str
    libc_version: str

    @property
    def python_tag(self) -> str:
        return f"cp{self.major}{self.minor}"

    @property
    def arch(self) -> str:
        return _MACHINES.get(self.machine, self.machine)

    @property
    def platforms(self) -> list[str]:
        """manylinux tags the image's glibc accepts, newest first (pip needs them spelled out)."""
        if self.libc != "glibc":
            return [f"musllinux_1_2_{self.arch}", f"musllinux_1_1_{self.arch}"]
        try:
            glibc_minor = int(self.libc_version.split(".")[1])
        except (IndexError, ValueError):
            glibc_minor = 17
        tags = [f"manylinux_2_{m}_{self.arch}" for m in range(glibc_minor, 16, -1)]
        tags += [f"manylinux2014_{self.arch}"]
        if self.arch == "x86_64":
            tags += ["manylinux2010_x86_64", "manylinux1_x86_64"]
        return tags

    @property
    def platform_key(self) -> str:
        return f"{'manylinux2014' if self.libc == 'glibc' else 'musllinux'}_{self.arch}"


def _probe_cache_file() -> Path:
    return paths.wheelhouse_dir() / "targets.json"


class ImageRunner(Protocol):
    """What probing a base image needs from the Docker client."""

    def inspect_image(self, ref: str) -> ImageInfo: ...

    def run_once(self, image: str, command: list[str], *, timeout_s: int = 60) -> str: ...


def probe_target(docker: ImageRunner, image: str) -> TargetPython:
    """Run the base image once to learn its Python and arch; cached by image id."""
    image_id = docker.inspect_image(image).id
    cache_file = _probe_cache_file()
    with _LOCK:
        try:
            cache = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}
        if image_id in cache:
            return TargetPython(**cache[image_id])
    out = docker.run_once(image, ["python3", "-c", PROBE_SCRIPT])
    try:
        data = json.loads(out.strip().splitlines()[-1])
        target = TargetPython(**data)
    except (ValueError, IndexError, TypeError) as exc:
        raise BuildError(
            f"Could not read the Python version of base image {image} (output: {out[:200]!r}). "
            "The base image needs python3 on its PATH."
        ) from exc
    with _LOCK:
        try:
            cache = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}
        cache[image_id] = asdict(target)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache, indent=1), encoding="utf-8")
        os.replace(tmp, cache_file)
    return target


def cache_key(requirements: str, target: TargetPython) -> str:
    digest = hashlib.sha256(requirements.encode("utf-8")).hexdigest()[:16]
    return f"{digest}-{target.python_tag}-{target.platform_key}"


def cache_dir(requirements: str, target: TargetPython) -> Path:
    return paths.wheelhouse_dir() / cache_key(requirements, target)


def is_warm(requirements: str, target: TargetPython) -> bool:
    return (cache_dir(requirements, target) / ".complete").is_file()


def ensure_wheels(
    requirements: str,
    target: TargetPython,
    *,
    on_log: Callable[[str], None] = lambda _l: None,
    timeout_s: int = 900,
    cancel: threading.Event | None = None,
) -> Path:
    """Return the complete wheel dir for ``requirements``; download it first if cold."""
    final = cache_dir(requirements, target)
    if (final / ".complete").is_file():
        on_log(f"wheelhouse: using cached wheels {final.name}")
        return final
    with _LOCK:
        if (final / ".complete").is_file():
            return final
        root = paths.wheelhouse_dir()
        tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=root))
        try:
            resolved, _, as_is = requirements.partition(NO_DEPS_MARKER)
            wheels = tmp / "wheels"
            wheels.mkdir()
            on_log(f"wheelhouse: downloading wheels for {target.python_tag} {target.arch}")
            for name, text, flags in (("requirements.txt", resolved, []),
                                      ("requirements-no-deps.txt", as_is, ["--no-deps"])):
                if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in text.splitlines()):
                    continue
                req_file = tmp / name
                req_file.write_text(text, encoding="utf-8")
                _download(req_file, wheels, target, flags, on_log, timeout_s, cancel)
            (wheels / ".complete").write_text("ok\n", encoding="utf-8")
            if final.exists():  # a stale incomplete dir from an older layout
                shutil.rmtree(final)
            os.replace(wheels, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _download(
    req_file: Path, wheels: Path, target: TargetPython, flags: list[str],
    on_log: Callable[[str], None], timeout_s: int, cancel: threading.Event | None,
) -> None:
    """One ``pip download`` into ``wheels`` for the image's interpreter and platform."""
    cmd = [
        sys.executable, "-m", "pip", "download",
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        "--only-binary=:all:",
        "--implementation", "cp",
        "--python-version", f"{target.major}.{target.minor}",
        "--abi", target.python_tag,
    ]  # fmt: skip
    for plat in target.platforms:
        cmd += ["--platform", plat]
    cmd += [*flags, "-r", str(req_file), "-d", str(wheels)]
    returncode, stdout, stderr = _run_pip(cmd, timeout_s, cancel)
    for line in pip_log_lines(stdout + stderr):
        on_log(f"pip: {line}")
    if returncode != 0:
        raise BuildError(_explain_pip_failure(stderr, target))


_IGNORED_LOCATION = re.compile(r"^WARNING: Location '.*' is ignored: ")


def pip_log_lines(output: str) -> list[str]:
    """pip's output for the build log, its "Location ... is ignored" warnings folded into the
    first and a count. Why: a find-links or index folder in the user's pip configuration
    that does not exist gets one warning per package (dozens per build), and they buried the
    lines that matter."""
    lines, ignored = [], 0
    for line in output.splitlines():
        if not line.strip():
            continue
        if _IGNORED_LOCATION.match(line):
            ignored += 1
            if ignored > 1:
                continue
        lines.append(line)
    if ignored > 1:
        lines.append(
            f"({ignored - 1} more 'Location ... is ignored' warnings: a find-links or index folder "
            "in your pip configuration or PIP_* environment does not exist)"
        )
    return lines


def index_reachable(timeout_s: float = 5.0) -> bool:
    """Whether the package index pip uses answers at all (pip hides this behind "no versions")."""
    import httpx

    url = os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple"
    if url.startswith("file:"):
        return Path(url.removeprefix("file://")).exists()
    try:
        httpx.get(url.rstrip("/") + "/pip/", timeout=timeout_s)
    except httpx.HTTPError:
        return False
    return True


def _run_pip(
    cmd: list[str], timeout_s: int, cancel: threading.Event | None
) -> tuple[int, str, str]:
    """Run pip, killing it on cancel or timeout so a build never waits on a stuck download."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            stdout, stderr = proc.communicate(timeout=0.5)
            return proc.returncode, stdout, stderr
        except subprocess.TimeoutExpired:
            if cancel is not None and cancel.is_set():
                proc.kill()
                proc.communicate()
                raise CancelledError("The build was cancelled while downloading wheels.") from None
            if time.monotonic() > deadline:
                proc.kill()
                proc.communicate()
                raise BuildError(
                    f"Downloading the dependency wheels took longer than {timeout_s} s. "
                    "Check the network or PIP_INDEX_URL and retry."
                ) from None


def _explain_pip_failure(
    stderr: str, target: TargetPython, reachable: Callable[[], bool] = index_reachable
) -> str:
    tail = " ".join(line.strip() for line in stderr.strip().splitlines()[-3:])[-600:]
    low = stderr.lower()
    if "no matching distribution" in low or "could not find a version" in low:
        network_words = ("connection", "network", "max retries", "refused", "resolve")
        if any(s in low for s in network_words) or not reachable():
            return (
                "The dependency wheels are not cached yet and the package index cannot be reached "
                f"({tail}). Connect to the network (or fix PIP_INDEX_URL) once to warm the "
                "wheelhouse; later builds then work offline."
            )
        return (
            f"A dependency has no binary wheel for {target.python_tag} on {target.arch} "
            f"({tail}). Builds install only wheels (no compiling in the image): pick a version "
            "that publishes wheels, or a different base image Python."
        )
    return f"Downloading the dependency wheels failed: {tail}"


def copy_into_context(wheel_dir: Path, context_dir: Path) -> Path:
    """Copy (hard-link when possible) the wheels into ``context_dir/wheels``."""
    dest = context_dir / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in sorted(wheel_dir.glob("*.whl")):
        target = dest / wheel.name
        if target.exists():
            continue
        try:
            os.link(wheel, target)
        except OSError:
            shutil.copy2(wheel, target)
    return dest
