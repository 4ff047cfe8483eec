"""The build context streams to the daemon while it is read, as the archive docker-py made.

A fake API stands in for the daemon's ``POST /build``: it reads the upload piece by piece,
as dockerd does, so the tests see what the daemon receives and when.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from docker import utils as docker_utils

from pixel_desktop.docker.build_context import dockerignore_patterns, tar_chunks
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.stream import StreamHandle
from pixel_desktop.errors import BuildError, CancelledError

BIG = 3 * 1024 * 1024 + 17  # more than one upload piece, not a multiple of 512


@pytest.fixture
def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    (ctx / "assistant").mkdir(parents=True)
    (ctx / "wheels").mkdir()
    (ctx / "skipped").mkdir()
    (ctx / "Dockerfile").write_text("FROM base\nCOPY . /app\n")
    (ctx / ".dockerignore").write_text("# generated\nskipped\n*.tmp\n")
    (ctx / "assistant" / "main.py").write_text("print('hi')\n")
    (ctx / "wheels" / "zz-model.whl").write_bytes(os.urandom(BIG))
    os.link(ctx / "wheels" / "zz-model.whl", ctx / "assistant" / "same-inode.whl")
    (ctx / "skipped" / "secret.txt").write_text("not sent\n")
    (ctx / "notes.tmp").write_text("not sent\n")
    (ctx / "empty").touch()
    return ctx


def docker_py_archive(ctx: Path) -> bytes:
    """What ``APIClient.build(path=ctx)`` used to send (its own .dockerignore reading)."""
    return docker_utils.tar(str(ctx), exclude=dockerignore_patterns(ctx) or None).read()


def test_the_streamed_context_is_byte_for_byte_the_archive_docker_py_made(context: Path) -> None:
    streamed = b"".join(tar_chunks(context))

    assert streamed == docker_py_archive(context)
    with tarfile.open(fileobj=io.BytesIO(streamed)) as archive:
        names = archive.getnames()
    assert "skipped/secret.txt" not in names and "notes.tmp" not in names
    assert {"Dockerfile", "assistant/main.py", "wheels/zz-model.whl", "empty"} <= set(names)


def test_no_piece_is_larger_than_one_upload_chunk(context: Path) -> None:
    sizes = [len(piece) for piece in tar_chunks(context, chunk_bytes=256 * 1024)]

    assert max(sizes) <= 256 * 1024
    assert len(sizes) > 3


class _Daemon:
    """The API's ``build``: reads the upload piece by piece, then answers with a stream."""

    def __init__(self, on_first_piece: Any = None, on_piece: Any = None) -> None:
        self.on_first_piece, self.on_piece = on_first_piece, on_piece
        self.received = bytearray()
        self.kwargs: dict[str, Any] = {}

    def build(self, **kwargs: Any) -> Any:
        self.kwargs = kwargs
        for n, piece in enumerate(kwargs["fileobj"]):
            if n == 0 and self.on_first_piece:
                self.on_first_piece()
            if self.on_piece:
                self.on_piece(n)
            self.received += piece
        return iter(
            [
                {"stream": "Step 1/1 : FROM base\n"},
                {"aux": {"ID": "sha256:" + "a" * 64}},
                {"stream": "Successfully built aaaaaaaaaaaa\n"},
            ]
        )

    def attached(self, handle: StreamHandle) -> Any:
        import contextlib

        return contextlib.nullcontext(handle)


def _client(api: _Daemon) -> DockerClient:
    client = object.__new__(DockerClient)  # no daemon contact in a unit test
    client.host = "unix:///var/run/docker.sock"
    client.api = api  # type: ignore[assignment]
    return client


def test_the_daemon_gets_the_first_bytes_before_the_last_file_is_read(
    context: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path / "home"))
    model = context / "wheels" / "zz-model.whl"  # last in the archive's order
    os.unlink(context / "assistant" / "same-inode.whl")
    rewritten = os.urandom(BIG)

    def rewrite_last_file() -> None:  # same size: the header already sent stays true
        model.write_bytes(rewritten)

    daemon = _Daemon(on_first_piece=rewrite_last_file)
    outcome = _client(daemon).build(context, "pixel/t:1", idle_timeout_s=None)

    with tarfile.open(fileobj=io.BytesIO(bytes(daemon.received))) as sent:
        model_sent = sent.extractfile("wheels/zz-model.whl")
        assert model_sent is not None
        assert model_sent.read() == rewritten  # read after the first piece went
    assert daemon.kwargs["custom_context"] is True and "path" not in daemon.kwargs
    assert outcome.image_id == "sha256:" + "a" * 64


def test_a_cancel_during_the_upload_stops_it_and_the_build_ends_cancelled(
    context: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path / "home"))
    handle = StreamHandle()
    pieces: list[int] = []

    def cancel_after_first(n: int) -> None:
        pieces.append(n)
        if n == 0:
            handle.close("cancelled")

    daemon = _Daemon(on_piece=cancel_after_first)
    with pytest.raises(CancelledError):
        _client(daemon).build(context, "pixel/t:1", handle=handle, idle_timeout_s=None)
    assert pieces == [0]  # nothing more was read or sent after the cancel


def test_an_upload_stopped_by_the_idle_watchdog_says_so(
    context: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path / "home"))
    handle = StreamHandle()
    daemon = _Daemon(on_first_piece=lambda: handle.close("idle"))

    with pytest.raises(BuildError, match="idle-stream watchdog"):
        _client(daemon).build(context, "pixel/t:1", handle=handle, idle_timeout_s=3600)


def test_a_context_file_that_cannot_be_read_is_a_build_error_naming_it(
    context: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path / "home"))
    daemon = _Daemon(on_first_piece=lambda: (context / "wheels" / "zz-model.whl").unlink())
    os.unlink(context / "assistant" / "same-inode.whl")

    with pytest.raises(BuildError, match=r"zz-model\.whl"):
        _client(daemon).build(context, "pixel/t:1", idle_timeout_s=None)
