"""One deploy at a time per (project, target), across processes: an OS file lock.

Why a file lock and not a row: the operating system drops an ``flock``/``msvcrt`` lock when
its process dies, however it dies (Ctrl+C, crash, kill -9), so a lock can never outlive its
deploy and no lease needs expiring. The same property lets the sweep tell a live deploy
from a leftover: a ``deploying`` record whose lock nobody holds belongs to a dead process.
Scope: one machine's ``PIXEL_HOME`` (deploy records carry the host they ran on, so another
machine sharing the store is never swept by this one).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from pixel_desktop import paths

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(slug: str, target: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{slug}@{target}")
    directory = paths.home() / "deploy-locks"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{safe}.lock"


class DeployLock:
    """Held while one deploy or rollback of ``slug`` to ``target`` runs."""

    def __init__(self, slug: str, target: str) -> None:
        self.path = lock_path(slug, target)
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """The pid written by the holder (for messages); '?' when unreadable."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)


def held(slug: str, target: str) -> bool:
    """Whether a live process (this one included) holds the lock now."""
    probe = DeployLock(slug, target)
    if probe.try_acquire():
        probe.release()
        return False
    return True
