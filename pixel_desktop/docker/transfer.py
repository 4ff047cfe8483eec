"""Moving images: push and pull with explicit credentials, save/load streams, daemon to daemon.

Why together: they are the streams that carry image bytes or registry credentials; each
reads the daemon's stream through the one ``stream_error`` check and can be closed through
a ``StreamHandle`` (cancel, idle watchdog).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import docker.errors

from pixel_desktop.docker.errors import (
    DAEMON_ERRORS,
    classify_registry_error,
    explanation,
    short_reason,
    stream_error,
)
from pixel_desktop.docker.images import ImagesMixin, split_ref
from pixel_desktop.docker.models import PushOutcome
from pixel_desktop.docker.stream import StreamHandle, watched
from pixel_desktop.errors import CancelledError, DockerError, RegistryError

CHUNK = 1024 * 1024


def _quiet(_line: str) -> None:
    """Default log sink: the caller does not want the lines."""


class TransferMixin(ImagesMixin):
    def push(
        self,
        repository: str,
        tag: str,
        auth_config: dict[str, str],
        *,
        on_log: Callable[[str], None] = _quiet,
        handle: StreamHandle | None = None,
    ) -> PushOutcome:
        """Push with explicit credentials; in-stream errors become a classified RegistryError."""
        handle = handle or StreamHandle()
        digest: str | None = None
        size: int | None = None
        ref = f"{repository}:{tag}"
        try:
            with self.api.attached(handle):
                stream = self.api.push(
                    repository, tag=tag, stream=True, decode=True, auth_config=auth_config
                )
                last_status: dict[str, str] = {}
                for chunk in stream:
                    self._raise_registry_error(f"Push of {ref} failed", chunk)
                    aux = chunk.get("aux")
                    if isinstance(aux, dict) and aux.get("Digest"):
                        digest, size = str(aux["Digest"]), aux.get("Size")
                    status = chunk.get("status")
                    if isinstance(status, str):
                        ident = chunk.get("id") or ""
                        if last_status.get(ident) != status:  # skip repeated progress updates
                            last_status[ident] = status
                            on_log(f"{ident}: {status}" if ident else status)
        except docker.errors.APIError as exc:
            msg = explanation(exc)
            raise RegistryError(
                f"Push of {ref} failed: {msg}", kind=classify_registry_error(msg)
            ) from exc
        except DAEMON_ERRORS as exc:
            self._raise_if_cancelled(handle, "push", exc)
            raise RegistryError(
                f"The Docker daemon at {self.host} stopped responding during the push: "
                f"{short_reason(exc)}.",
                kind="unreachable",
            ) from exc
        self._raise_if_cancelled(handle, "push")
        if not digest:
            raise RegistryError(
                f"Push of {ref} ended without a digest from the registry.", kind="error"
            )
        return PushOutcome(digest=digest, size=int(size) if size is not None else None)

    def pull(
        self,
        ref: str,
        auth: dict[str, str] | None = None,
        on_log: Callable[[str], None] = _quiet,
        *,
        handle: StreamHandle | None = None,
        idle_timeout_s: float | None = None,
    ) -> str:
        """Pull ``ref`` with explicit credentials (never the user's docker config); returns
        the image id. A stream silent for ``idle_timeout_s`` is closed; in-stream errors and
        refusals become a classified RegistryError naming the host."""
        repo, tag = split_ref(ref)
        handle = handle or StreamHandle()
        failed = f"{self.host} could not pull {ref}"
        try:
            with self.api.attached(handle), watched(handle, idle_timeout_s):
                for chunk in self.api.pull(
                    repo, tag=tag or None, stream=True, decode=True, auth_config=auth or {}
                ):
                    handle.touch()
                    self._raise_registry_error(failed, chunk)
                    if chunk.get("status") and not chunk.get("progress"):
                        on_log(f"{chunk.get('id', '')} {chunk['status']}".strip())
        except docker.errors.NotFound as exc:
            raise RegistryError(f"{failed}: not found in the registry.", kind="not_found") from exc
        except docker.errors.APIError as exc:
            msg = explanation(exc)
            raise RegistryError(
                f"Docker at {self.host} refused to pull {ref}: {msg}",
                kind=classify_registry_error(msg),
            ) from exc
        except DAEMON_ERRORS as exc:
            self._raise_if_cancelled(handle, "pull", exc)
            reason = "no progress" if handle.reason == "idle" else short_reason(exc)
            raise RegistryError(f"{failed}: {reason}.", kind="unreachable") from exc
        self._raise_if_cancelled(handle, "pull")
        if handle.reason == "idle":
            raise RegistryError(f"{failed}: no progress.", kind="unreachable")
        return self.inspect_image(ref).id

    @staticmethod
    def _raise_registry_error(prefix: str, chunk: dict[str, Any]) -> None:
        msg = stream_error(chunk)
        if msg is not None:
            raise RegistryError(f"{prefix}: {msg}", kind=classify_registry_error(msg))

    @staticmethod
    def _raise_if_cancelled(
        handle: StreamHandle, what: str, cause: BaseException | None = None
    ) -> None:
        if handle.reason == "cancelled":
            raise CancelledError(f"The {what} was cancelled.") from cause

    def save_stream(self, refs: Iterable[str]) -> Iterator[bytes]:
        """``docker save`` of one or more references as a chunk stream (a tar)."""
        names = list(refs)
        api = self.api

        def start() -> Any:
            res = api._get(api._url("/images/get"), params={"names": names}, stream=True)
            api._raise_for_status(res)
            return res

        res = self._call(f"save {', '.join(names)}", start)
        return api._stream_raw_result(res, CHUNK, False)

    def load_stream(self, chunks: Iterable[bytes], on_log: Callable[[str], None]) -> list[str]:
        """``docker load`` from a chunk stream (sent with chunked transfer, no temp file)."""
        loaded: list[str] = []
        api = self.api

        def run() -> None:
            res = api._post(api._url("/images/load"), data=iter(chunks), stream=True)
            api._raise_for_status(res)
            for chunk in api._stream_helper(res, decode=True):
                msg = stream_error(chunk)
                if msg is not None:
                    raise DockerError(f"{self.host} could not load the image: {msg}")
                text = str(chunk.get("stream") or chunk.get("status") or "").strip()
                if text:
                    on_log(text)
                    if text.startswith("Loaded image"):
                        loaded.append(text.split(":", 1)[1].strip())

        self._call("load an image", run)
        return loaded

    def copy_image_from(
        self,
        source: TransferMixin,
        ref: str,
        on_log: Callable[[str], None],
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        """Stream ``docker save ref`` on ``source`` into ``docker load`` here."""
        total = 0

        def counted() -> Iterator[bytes]:
            nonlocal total
            for chunk in source.save_stream([ref]):
                total += len(chunk)
                if on_bytes is not None:
                    on_bytes(total)
                yield chunk

        self.load_stream(counted(), on_log)
        on_log(f"streamed {total / 1e6:.1f} MB from {source.host} to {self.host}")
        if not self.image_exists(ref):
            raise DockerError(f"After loading, {ref} is still missing on {self.host}.")
