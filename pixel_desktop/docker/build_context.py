"""The build context as a tar stream, made while it is sent to the daemon.

Why: docker-py's ``build(path=...)`` first packs the whole context into a temporary file
(over 100 MB for the sample: the embedding model's wheel), then sends that file, so the
daemon waits for the whole pack and the disk pays for a second copy. Here each file's tar
header and bytes go out as they are read (an HTTP chunked upload, as the docker CLI does).
The archive is the one docker-py would have made: the same file list (``.dockerignore``
read and applied by docker-py's own matcher), the same order and the same tar headers, so
Docker's layer cache sees the same context either way.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

from docker.utils.build import exclude_paths

from pixel_desktop.errors import BuildError, CancelledError

CHUNK_BYTES = 1 << 20  # what one HTTP chunk carries at most
_SMALL_BYTES = 64 << 10  # headers and small files are gathered up to this before a send


def dockerignore_patterns(root: Path) -> list[str]:
    """The exclusions of ``root/.dockerignore``, read exactly as docker-py reads them."""
    try:
        text = (root / ".dockerignore").read_text()
    except FileNotFoundError:
        return []
    return [line for line in (raw.strip() for raw in text.splitlines()) if line and line[0] != "#"]


def context_files(root: Path) -> list[str]:
    """The paths (files and folders, relative, sorted) the context sends: docker-py's list."""
    return sorted(exclude_paths(str(root), dockerignore_patterns(root)))


def _never() -> bool:
    return False


def tar_chunks(
    context_dir: Path,
    *,
    cancelled: Callable[[], bool] = _never,
    on_chunk: Callable[[], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[bytes]:
    """The context of ``context_dir`` as an uncompressed tar, in pieces, read lazily.

    Nothing is read before the first piece is asked for, and each file is read only when the
    stream reaches it, so the first bytes reach the daemon while the rest is still on disk.
    ``cancelled`` is checked at the start and after every piece (``CancelledError``);
    ``on_chunk`` is called after every piece (the idle watchdog counts an upload as
    activity). A file that cannot be read is a ``BuildError`` naming it.
    """
    root = Path(os.path.abspath(context_dir))
    # TarFile only for gettarinfo (stat -> header, with tarfile's hard-link bookkeeping);
    # the bytes are written here so that a large file never sits in memory whole.
    info_maker = tarfile.TarFile(fileobj=io.BytesIO(), mode="w")
    pending = bytearray()
    offset = 0

    def take() -> bytes:
        data = bytes(pending)
        pending.clear()
        return data

    def sent() -> None:
        if on_chunk is not None:
            on_chunk()
        if cancelled():
            raise CancelledError("The build was cancelled.")

    if cancelled():
        raise CancelledError("The build was cancelled.")
    for rel in context_files(root):
        full = os.path.join(root, rel)
        info = info_maker.gettarinfo(full, arcname=rel)
        if info is None:  # a socket: docker-py skips it too
            continue
        if info.mtime < 0 or info.mtime > 8**11 - 1:  # https://bugs.python.org/issue32713
            info.mtime = int(info.mtime)
        header = info.tobuf(info_maker.format, info_maker.encoding, info_maker.errors)
        pending += header
        offset += len(header)
        if info.isfile() and info.size:
            if len(pending) + info.size > _SMALL_BYTES:
                # Everything before a large file is on its way before the file is opened.
                yield take()
                sent()
            for block in _file_blocks(full, info.size, chunk_bytes):
                offset += len(block)
                if not pending and len(block) >= _SMALL_BYTES:
                    yield block  # as read: a large file is never copied into the buffer
                    sent()
                    continue
                pending += block
                if len(pending) >= _SMALL_BYTES:
                    yield take()
                    sent()
            padding = -info.size % tarfile.BLOCKSIZE
            pending += tarfile.NUL * padding
            offset += padding
        if len(pending) >= _SMALL_BYTES:
            yield take()
            sent()
    end = tarfile.NUL * (tarfile.BLOCKSIZE * 2)
    offset += len(end)
    pending += end + tarfile.NUL * (-offset % tarfile.RECORDSIZE)
    yield take()
    sent()


def _file_blocks(path: str, size: int, chunk_bytes: int) -> Iterator[bytes]:
    """``size`` bytes of ``path`` (its size when the header was made), in blocks."""
    try:
        with open(path, "rb") as fh:
            remaining = size
            while remaining:
                block = fh.read(min(chunk_bytes, remaining))
                if not block:
                    raise OSError(
                        f"the file became shorter while it was sent ({remaining} bytes missing)"
                    )
                remaining -= len(block)
                yield block
    except OSError as exc:
        raise BuildError(
            f"Cannot read {path} in the build context: {exc.strerror or exc}."
        ) from exc
