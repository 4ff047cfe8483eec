"""Image builds: the classic builder's stream read through the parser, a cancel handle and
an idle watchdog, the base-image check, and reaping what a dying daemon left behind.

Why the care: ``build()`` has no timeout, failures arrive inside a 200 stream, a cancelled
build can leave its ``RUN`` container behind, and a daemon that dies mid-build leaves one the
daemon itself cannot remove until it is back (``reap_orphans`` does it on the next build).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import docker.errors

from pixel_desktop import paths
from pixel_desktop.docker.build_context import tar_chunks
from pixel_desktop.docker.containers import ContainersMixin
from pixel_desktop.docker.errors import DAEMON_ERRORS, explanation, short_reason
from pixel_desktop.docker.models import BuildOutcome
from pixel_desktop.docker.stream import BuildStreamParser, StreamHandle, watched
from pixel_desktop.docker.transfer import TransferMixin
from pixel_desktop.errors import BuildError, CancelledError, PixelError

BASE_IMAGE_HINT = (
    "Provide it locally: set PIXEL_BASE_IMAGE (or the spec's deployment.base_image) to an image "
    "listed by `docker images`, or run scripts/make-local-base-image.sh to create one offline."
)
_ORPHANS_LOCK = threading.Lock()


def _quiet_log(_line: str) -> None:
    """Default log sink: the caller does not want the lines."""


def _quiet_step(_step: int, _total: int, _instruction: str) -> None:
    """Default step sink."""


class BuildMixin(TransferMixin, ContainersMixin):
    def ensure_base_image(self, ref: str, *, pull_timeout_s: int = 60) -> None:
        """Fail early, with a way out, when the base image is neither local nor pullable."""
        if self.image_exists(ref):
            return
        reason = "it could not be pulled"
        try:
            self.pull(ref, idle_timeout_s=pull_timeout_s)
        except PixelError as exc:
            reason = f"pulling it failed ({exc.message})"
        if not self.image_exists(ref):
            raise BuildError(
                f"Base image {ref} is not available on {self.host} and {reason}. {BASE_IMAGE_HINT}"
            )

    def build(
        self,
        context_dir: Path,
        tag: str,
        *,
        nocache: bool = False,
        on_log: Callable[[str], None] = _quiet_log,
        on_step: Callable[[int, int, str], None] = _quiet_step,
        handle: StreamHandle | None = None,
        idle_timeout_s: float = 300,
        base_image: str | None = None,
    ) -> BuildOutcome:
        """Stream a classic-builder build of ``context_dir``; raise on any failure.

        The stream is read on the calling thread; ``handle.close()`` from another thread
        aborts it (``CancelledError``), the watchdog closes it after ``idle_timeout_s`` of
        silence, and a daemon that dies mid-build becomes a ``BuildError`` naming the host.
        """
        handle = handle or StreamHandle()
        self.reap_orphans()
        parser = BuildStreamParser()
        stream_error: BaseException | None = None
        with self.api.attached(handle), watched(handle, idle_timeout_s):
            try:
                # The context streams to the daemon while it is read (build_context.py),
                # never packed into a temporary file first.
                stream = self.api.build(
                    fileobj=tar_chunks(
                        context_dir,
                        cancelled=lambda: handle.reason is not None,
                        on_chunk=handle.touch,
                    ),
                    custom_context=True,
                    tag=tag,
                    decode=True,
                    rm=True,
                    forcerm=True,
                    nocache=nocache,
                    pull=False,
                )
                for chunk in stream:
                    handle.touch()
                    for kind, value in parser.feed(chunk):
                        if kind == "log":
                            on_log(value)
                        else:
                            on_step(*value)
                for _kind, value in parser.flush():
                    on_log(value)
            except CancelledError:
                if handle.reason is None:
                    raise
                # the upload stopped for the handle's reason (cancel or idle watchdog): below
            except docker.errors.APIError as exc:
                if handle.reason is None:
                    raise BuildError(
                        f"Docker at {self.host} refused the build: {explanation(exc)}"
                    ) from exc
                stream_error = exc
            except DAEMON_ERRORS as exc:
                stream_error = exc
        if handle.reason is not None:
            self._cleanup_build_container(parser.running_container)
            if handle.reason == "cancelled":
                raise CancelledError("The build was cancelled.")
            raise BuildError(
                f"The Docker build produced no output for {int(idle_timeout_s)} s and was stopped "
                "(idle-stream watchdog). Raise idle_stream_timeout_s in the settings if a step is "
                "legitimately this slow."
            )
        if parser.error:
            raise self._failed_build(parser, base_image)
        if stream_error is not None or not parser.image_id:
            reason = short_reason(stream_error) if stream_error else "the build stream ended early"
            if parser.running_container:
                # The daemon cannot remove it now; the next build on this host will.
                self._remember_orphan(parser.running_container)
            raise BuildError(
                f"The Docker daemon at {self.host} stopped responding during the build: {reason}."
            )
        return BuildOutcome(
            image_id=parser.image_id
            if parser.image_id.startswith("sha256:")
            else self.inspect_image(parser.image_id).id,
            steps_total=parser.total,
            cached_steps=parser.cached_steps,
            layer_steps=tuple(parser.instructions),
            cached_instructions=tuple(parser.cached_instructions),
        )

    def _failed_build(self, parser: BuildStreamParser, base_image: str | None) -> BuildError:
        """The error for a build whose stream reported one: a missing base image says how to
        provide it, any other failure names the step."""
        error = parser.error or ""
        words = parser.instruction.split()
        from_image = words[1] if len(words) > 1 and words[0].upper() == "FROM" else None
        if from_image or (base_image and base_image in error):
            image = from_image or base_image
            return BuildError(
                f"Base image {image} is not available on {self.host} and could not be "
                f"pulled ({error}). {BASE_IMAGE_HINT}"
            )
        where = (
            f" at step {parser.step}/{parser.total} ({parser.instruction})" if parser.step else ""
        )
        return BuildError(f"Docker build failed{where}: {error}")

    # ---------------------------------------------------------------- orphans
    def _orphans_file(self) -> Path:
        return paths.home() / "docker-orphans.json"

    def _remember_orphan(self, container_id: str) -> None:
        """Note a RUN container a dying daemon left behind (removed by reap_orphans)."""
        with _ORPHANS_LOCK:
            data = self._read_orphans()
            ids = set(data.get(self.host, [])) | {container_id}
            data[self.host] = sorted(ids)
            self._write_orphans(data)

    def _read_orphans(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self._orphans_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_orphans(self, data: dict[str, list[str]]) -> None:
        tmp = self._orphans_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self._orphans_file())

    def reap_orphans(self) -> list[str]:
        """Remove intermediate containers of builds whose daemon died mid-build."""
        with _ORPHANS_LOCK:
            data = self._read_orphans()
            pending = data.get(self.host) or []
            if not pending:
                return []
            removed, keep = [], []
            for cid in pending:
                try:
                    self.api.remove_container(cid, force=True)
                    removed.append(cid)
                except docker.errors.NotFound:
                    removed.append(cid)
                except DAEMON_ERRORS:
                    keep.append(cid)  # daemon still down: try again next time
            data[self.host] = keep
            self._write_orphans(data)
            return removed

    def _cleanup_build_container(self, container_id: str | None) -> None:
        """Remove the RUN container an aborted classic build may leave behind."""
        if not container_id:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                self.api.remove_container(container_id, force=True)
            except docker.errors.NotFound:
                return
            except DAEMON_ERRORS:
                time.sleep(0.2)  # daemon still tearing it down; retry until the deadline
                continue
            return
