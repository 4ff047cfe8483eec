"""The one module that imports ``docker``: every daemon call of the app goes through here.

Why a gateway: docker-py has sharp edges the rest of the app must not relearn — build and
push errors arrive *inside* a 200 stream and are never raised, a daemon that dies mid-stream
surfaces as urllib3/requests errors, ``build()`` has no timeout, and the client silently
reads the user's ``~/.docker/config.json`` (credential helpers included). This module turns
all of that into ``DockerUnavailableError`` / ``BuildError`` / ``RegistryError`` /
``CancelledError`` with messages a person can act on, and exposes streams that another
thread (cancel button, idle watchdog) can close.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.tls
import requests.exceptions
import urllib3.exceptions
from docker import auth as docker_auth

from pixel_desktop.errors import (
    BuildError,
    CancelledError,
    DeployError,
    DockerUnavailableError,
    RegistryError,
)

API_TIMEOUT_S = 30  # ordinary (non-streaming) calls
API_VERSION_FLOOR = "1.41"  # over ssh:// the version is negotiated once the adapter is mounted
PING_TIMEOUT_S = 5
BASE_IMAGE_HINT = (
    "Provide it locally: set PIXEL_BASE_IMAGE (or the spec's deployment.base_image) to an image "
    "listed by `docker images`, or run scripts/make-local-base-image.sh to create one offline."
)
_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
    OSError,
    ValueError,  # reading a response whose socket was closed under it
    AttributeError,  # urllib3 after the fp was released by close()
)
_ORPHANS_LOCK = threading.Lock()
_STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_RUNNING_IN_RE = re.compile(r"^ ---> Running in ([0-9a-f]{12,64})")
_SUCCESS_RE = re.compile(r"^Successfully built ([0-9a-f]{12,64})")


# --------------------------------------------------------------------------- host resolution
def default_socket_url() -> str:
    if sys.platform == "win32":
        return "npipe:////./pipe/docker_engine"
    return "unix:///var/run/docker.sock"


def _docker_config_dir() -> Path:
    env = os.environ.get("DOCKER_CONFIG")
    return Path(env).expanduser() if env else Path.home() / ".docker"


def _current_context(config_dir: Path) -> tuple[str, dict[str, Any]] | None:
    """Name and meta.json of the docker CLI's current context (None for "default")."""
    name = os.environ.get("DOCKER_CONTEXT")
    if not name:
        try:
            data = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        name = data.get("currentContext") if isinstance(data, dict) else None
    if not name or name == "default":
        return None
    meta = (
        config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest() / "meta.json"
    )
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return (name, data) if isinstance(data, dict) else None


def context_host(config_dir: Path | None = None) -> str | None:
    """Host of the docker CLI's current context (``docker context use``), if one is set.

    Read directly from the CLI's files (config.json ``currentContext`` and
    ``contexts/meta/<sha256(name)>/meta.json``) so that the app talks to the same daemon as
    the user's terminal without shelling out to ``docker``.
    """
    found = _current_context(config_dir or _docker_config_dir())
    if found is None:
        return None
    try:
        host = found[1]["Endpoints"]["docker"]["Host"]
    except (KeyError, TypeError):
        return None
    return host or None


def context_tls_dir(config_dir: Path | None = None) -> Path | None:
    """The current context's TLS folder (``contexts/tls/<sha256(name)>/docker`` holding
    ca.pem, cert.pem and key.pem, as `docker context create --docker ca=,cert=,key=`
    stores them), when it has one: a tcp:// context's daemon is reached with these."""
    config_dir = config_dir or _docker_config_dir()
    found = _current_context(config_dir)
    if found is None:
        return None
    folder = (
        config_dir / "contexts" / "tls" / hashlib.sha256(found[0].encode()).hexdigest() / "docker"
    )
    if all((folder / f).is_file() for f in ("ca.pem", "cert.pem", "key.pem")):
        return folder
    return None


def resolve_host(host: str | None = None) -> str:
    """Argument, else ``DOCKER_HOST``, else the CLI's current context, else the default socket."""
    return host or os.environ.get("DOCKER_HOST") or context_host() or default_socket_url()


# --------------------------------------------------------------------------- value objects
@dataclass(frozen=True, slots=True)
class DaemonInfo:
    version: str
    api_version: str
    os: str
    arch: str
    host: str


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    image_id: str
    steps_total: int
    cached_steps: int
    layer_steps: tuple[str, ...] = ()  # instruction of every step, in order
    cached_instructions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PushOutcome:
    digest: str
    size: int | None


@dataclass(frozen=True, slots=True)
class ImageInfo:
    id: str
    size_bytes: int
    tags: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- stream parsing
class BuildStreamParser:
    """Turns decoded build-stream chunks into log lines, step progress and the outcome.

    Kept free of I/O so the quirks (errors inside a 200 stream, ``Step N/M``, cache hits,
    ``Running in`` containers a cancel must clean up) are unit-testable with plain dicts.
    """

    def __init__(self) -> None:
        self.step = 0
        self.total = 0
        self.instruction = ""
        self.image_id: str | None = None
        self.error: str | None = None
        self.running_container: str | None = None
        self.cached_steps = 0
        self.instructions: list[str] = []
        self.cached_instructions: list[str] = []
        self._partial = ""

    def feed(self, chunk: dict[str, Any]) -> list[tuple[str, Any]]:
        """Return events as ``("log", text)`` / ``("step", (n, m, instr))`` tuples."""
        out: list[tuple[str, Any]] = []
        if "error" in chunk or "errorDetail" in chunk:
            detail = chunk.get("errorDetail") or {}
            message = chunk.get("error") or (
                detail.get("message") if isinstance(detail, dict) else ""
            )
            self.error = str(
                message or "the Docker daemon reported an unspecified build error"
            ).strip()
            out.append(("log", f"ERROR: {self.error}"))
            return out
        aux = chunk.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            self.image_id = aux["ID"]
        stream = chunk.get("stream")
        if isinstance(stream, str):
            text = self._partial + stream
            lines = text.split("\n")
            self._partial = lines.pop()  # incomplete tail waits for the next chunk
            for line in lines:
                out.extend(self._line(line.rstrip("\r")))
        status = chunk.get("status")
        if isinstance(status, str):
            progress = chunk.get("progress")
            ident = chunk.get("id")
            text = f"{ident}: {status}" if ident else status
            if not progress:  # progress bars would flood the log
                out.append(("log", text))
        return out

    def flush(self) -> list[tuple[str, Any]]:
        if self._partial:
            line, self._partial = self._partial, ""
            return self._line(line)
        return []

    def _line(self, line: str) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("log", line)]
        m = _STEP_RE.match(line)
        if m:
            self.step, self.total, self.instruction = int(m[1]), int(m[2]), m[3]
            self.instructions.append(m[3])
            self.running_container = None
            out.append(("step", (self.step, self.total, self.instruction)))
            return out
        if line.strip() == "---> Using cache":
            self.cached_steps += 1
            self.cached_instructions.append(self.instruction)
            return out
        m = _RUNNING_IN_RE.match(line)
        if m:
            self.running_container = m[1]
            return out
        m = _SUCCESS_RE.match(line)
        if m and not self.image_id:
            self.image_id = m[1]
        return out


def classify_push_error(message: str) -> str:
    """unauthorized | not_found | unreachable | error, from a daemon/registry message."""
    low = message.lower()
    if any(
        s in low
        for s in ("unauthorized", "authentication required", "no basic auth", "incorrect username")
    ):
        return "unauthorized"
    if any(s in low for s in ("name unknown", "repository does not exist", "not found", "denied")):
        return "not_found"
    if any(
        s in low
        for s in (
            "connection refused",
            "no such host",
            "i/o timeout",
            "dial tcp",
            "timeout",
            "connection reset",
            "eof",
            "network is unreachable",
            "server gave http response",
        )
    ):
        return "unreachable"
    return "error"


# --------------------------------------------------------------------------- cancellable stream
class StreamHandle:
    """Lets another thread close a streaming response (cancel, idle watchdog).

    Closing shuts the socket down, which both unblocks the reading thread and makes dockerd
    see the client disconnect — for a build that cancels the build daemon-side.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: Any = None
        self._response: Any = None
        self.reason: str | None = None  # "cancelled" | "idle" once closed by us
        self.last_activity = time.monotonic()

    def attach(self, response: Any, sock: Any) -> None:
        with self._lock:
            self._response, self._sock = response, sock
            closed_early = self.reason is not None
        if closed_early:
            self._shutdown()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def close(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            sock, response = self._sock, self._response
        raw = getattr(sock, "_sock", sock)
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)
        if response is not None:
            with contextlib.suppress(Exception):  # a half-dead response may raise anything
                response.close()


class _Watchdog(threading.Thread):
    """Closes a stream that has been silent for ``idle_s`` seconds."""

    def __init__(self, handle: StreamHandle, idle_s: float, poll_s: float = 0.5) -> None:
        super().__init__(name="pixel-stream-watchdog", daemon=True)
        self.handle, self.idle_s, self.poll_s = handle, idle_s, poll_s
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.poll_s):
            if time.monotonic() - self.handle.last_activity > self.idle_s:
                self.handle.close("idle")
                return


class _Client(docker.APIClient):
    """APIClient that never sends the user's registry credentials and exposes its streams."""

    def __init__(self, *args: Any, ssh: Any = None, **kwargs: Any) -> None:
        base_url = str(kwargs.get("base_url") or "")
        is_ssh = base_url.startswith("ssh://")
        if is_ssh:
            # No connection yet: the version is negotiated after the strict adapter is mounted.
            kwargs["version"] = API_VERSION_FLOOR
            kwargs["use_ssh_client"] = True
        super().__init__(*args, **kwargs)
        self._general_configs = {}
        self._auth_configs = docker_auth.AuthConfig({})
        self._local = threading.local()
        if is_ssh:
            # docker-py's own SSH adapter reads only ~/.ssh/known_hosts with paramiko's
            # loader; builds use the same strict adapter as deploys (every known_hosts file,
            # markers handled, unknown or changed keys refused).
            from pixel_desktop.docker.deploy_client import SshOptions, StrictSSHAdapter

            timeout = int(kwargs.get("timeout") or API_TIMEOUT_S)
            self._custom_adapter = StrictSSHAdapter(base_url, ssh or SshOptions(), timeout, 9)
            self.mount("http+docker://ssh", self._custom_adapter)
            self._version = self._retrieve_server_version()

    def _set_auth_headers(self, headers: dict[str, str]) -> None:
        """No X-Registry-Config: builds never pull with the user's docker config."""

    def _stream_helper(self, response: Any, decode: bool = False) -> Iterator[Any]:
        handle: StreamHandle | None = getattr(self._local, "handle", None)
        if handle is not None and response.status_code < 400:
            try:
                sock = self._get_raw_response_socket(response)
            except Exception:
                sock = None
            handle.attach(response, sock)
        return super()._stream_helper(response, decode=decode)


# --------------------------------------------------------------------------- the gateway
class DockerGateway:
    """A Docker daemon, seen through clear errors. Thread-safe for concurrent builds."""

    def __init__(self, host: str | None = None, *, timeout: int = API_TIMEOUT_S) -> None:
        """Connect with the deploy layer's host policy (``deploy.hosts.transport``): builds
        send registry credentials and secret env values to the daemon, so a plain tcp://
        host is refused here exactly as for a deploy, tcp:// uses TLS client certificates
        (the docker context's included) and ssh:// checks host keys strictly."""
        # Imported here: the deploy layer imports this module, and the policy is deploy's.
        from pixel_desktop.deploy.hosts import transport

        self.host = resolve_host(host)
        self._timeout = timeout
        policy = transport(self.host)
        tls: Any = False
        if policy.tls is not None:
            tls = docker.tls.TLSConfig(
                client_cert=(str(policy.tls.client_cert), str(policy.tls.client_key)),
                ca_cert=str(policy.tls.ca_cert),
                verify=True,
            )
        self._transport = {"tls": tls, "ssh": policy.ssh}
        self.api = self._client(timeout)

    def _client(self, timeout: float) -> _Client:
        """A client on this host with the host policy's TLS/SSH (every client, probes too)."""
        try:
            return _Client(base_url=self.host, timeout=timeout, version="auto", **self._transport)
        except docker.errors.DockerException as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, DeployError):  # e.g. an unknown or changed SSH host key
                raise cause from exc
            raise self._unavailable(exc) from exc

    # ---------------------------------------------------------------- basics
    def _unavailable(self, exc: BaseException) -> DockerUnavailableError:
        reason = _short_reason(exc)
        return DockerUnavailableError(
            f"Cannot reach the Docker daemon at {self.host}: {reason}. "
            "Start Docker (or set DOCKER_HOST) and retry."
        )

    def close(self) -> None:
        self.api.close()

    def ping(self) -> DaemonInfo:
        try:
            probe = self._client(PING_TIMEOUT_S)
            try:
                v = probe.version()
            finally:
                probe.close()
        except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
            raise self._unavailable(exc) from exc
        return DaemonInfo(
            version=str(v.get("Version", "?")),
            api_version=str(v.get("ApiVersion", "?")),
            os=str(v.get("Os", "?")),
            arch=str(v.get("Arch", "?")),
            host=self.host,
        )

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except docker.errors.NotFound:
            raise
        except docker.errors.APIError as exc:
            raise BuildError(f"Docker refused to {what}: {exc.explanation or exc}") from exc
        except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
            raise self._unavailable(exc) from exc

    # ---------------------------------------------------------------- images
    def image_exists(self, ref: str) -> bool:
        try:
            self._call("inspect an image", lambda: self.api.inspect_image(ref))
            return True
        except docker.errors.NotFound:
            return False

    def inspect_image(self, ref: str) -> ImageInfo:
        try:
            data = self._call("inspect an image", lambda: self.api.inspect_image(ref))
        except docker.errors.NotFound as exc:
            raise BuildError(f"Image {ref} does not exist on {self.host}.") from exc
        return ImageInfo(
            id=data["Id"],
            size_bytes=int(data.get("Size") or 0),
            tags=tuple(data.get("RepoTags") or ()),
            config=data,
        )

    def image_history(self, ref: str) -> list[dict[str, Any]]:
        return list(self._call("read image history", lambda: self.api.history(ref)))

    def tag(self, image: str, repository: str, tag: str) -> None:
        self._call("tag an image", lambda: self.api.tag(image, repository, tag, force=True))

    def remove_image(self, ref: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._call("remove an image", lambda: self.api.remove_image(ref, force=True))

    def ensure_base_image(self, ref: str, *, pull_timeout_s: int = 60) -> None:
        """Fail early, with a way out, when the base image is neither local nor pullable."""
        if self.image_exists(ref):
            return
        reason = "it could not be pulled"
        try:
            client = self._client(pull_timeout_s)
            try:
                repo, _, tag = ref.rpartition(":") if ":" in ref.split("/")[-1] else (ref, "", "")
                for chunk in client.pull(
                    repo, tag=tag or "latest", stream=True, decode=True, auth_config={}
                ):
                    if "error" in chunk:
                        reason = f"pulling it failed: {chunk['error']}"
                        break
            finally:
                client.close()
        except docker.errors.APIError as exc:
            reason = f"pulling it failed: {exc.explanation or exc}"
        except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
            reason = f"pulling it failed: {_short_reason(exc)}"
        except DockerUnavailableError as exc:
            reason = f"pulling it failed: {exc.message}"
        if not self.image_exists(ref):
            raise BuildError(
                f"Base image {ref} is not available on {self.host} and {reason}. {BASE_IMAGE_HINT}"
            )

    # ---------------------------------------------------------------- build
    def build(
        self,
        context_dir: Path,
        tag: str,
        *,
        nocache: bool = False,
        on_log: Callable[[str], None] = lambda _l: None,
        on_step: Callable[[int, int, str], None] = lambda _s, _t, _i: None,
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
        watchdog = _Watchdog(handle, idle_timeout_s)
        stream_error: BaseException | None = None
        self.api._local.handle = handle
        handle.touch()
        watchdog.start()
        try:
            try:
                stream = self.api.build(
                    path=str(context_dir),
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
            except docker.errors.APIError as exc:
                if handle.reason is None:
                    raise BuildError(f"Docker refused the build: {exc.explanation or exc}") from exc
                stream_error = exc
            except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
                stream_error = exc
        finally:
            self.api._local.handle = None
            watchdog.done.set()
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
            from_image = (
                parser.instruction.split()[1]
                if parser.instruction.upper().startswith("FROM ")
                and len(parser.instruction.split()) > 1
                else None
            )
            if from_image or (base_image and base_image in parser.error):
                image = from_image or base_image
                raise BuildError(
                    f"Base image {image} is not available on {self.host} and could not be "
                    f"pulled ({parser.error}). {BASE_IMAGE_HINT}"
                )
            where = (
                f" at step {parser.step}/{parser.total} ({parser.instruction})"
                if parser.step
                else ""
            )
            raise BuildError(f"Docker build failed{where}: {parser.error}")
        if stream_error is not None or not parser.image_id:
            reason = _short_reason(stream_error) if stream_error else "the build stream ended early"
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

    # ---------------------------------------------------------------- orphans
    def _orphans_file(self) -> Path:
        from pixel_desktop import paths

        return paths.home() / "docker-orphans.json"

    def _remember_orphan(self, container_id: str) -> None:
        """Note a RUN container a dying daemon left behind (removed by reap_orphans)."""
        with _ORPHANS_LOCK:
            data = self._read_orphans()
            ids = set(data.get(self.host, [])) | {container_id}
            data[self.host] = sorted(ids)
            tmp = self._orphans_file().with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self._orphans_file())

    def _read_orphans(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self._orphans_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

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
                except (docker.errors.DockerException, *_STREAM_ERRORS):
                    keep.append(cid)  # daemon still down: try again next time
            data[self.host] = keep
            tmp = self._orphans_file().with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self._orphans_file())
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
            except (docker.errors.DockerException, *_STREAM_ERRORS):
                time.sleep(0.2)  # daemon still tearing it down; retry until the deadline
                continue
            return

    # ---------------------------------------------------------------- containers
    def run_container(
        self,
        image: str,
        *,
        container_port: int | None = None,
        environment: dict[str, str] | None = None,
        command: list[str] | None = None,
        labels: dict[str, str] | None = None,
        name: str | None = None,
    ) -> tuple[str, int | None]:
        """Start ``image`` detached; publish ``container_port`` on a free 127.0.0.1 port.

        Docker picks the host port (HostPort empty) so there is no race between finding a
        free port and binding it. Returns (container id, host port).
        """
        ports = [container_port] if container_port else None
        host_config = self.api.create_host_config(
            port_bindings={container_port: ("127.0.0.1",)} if container_port else None,
        )
        created = self._call(
            "create a container",
            lambda: self.api.create_container(
                image,
                command=command,
                environment=environment or {},
                ports=ports,
                host_config=host_config,
                labels=labels or {},
                name=name,
                detach=True,
            ),
        )
        cid = created["Id"]
        try:
            self._call("start a container", lambda: self.api.start(cid))
            host_port = None
            if container_port:
                data = self._call("inspect a container", lambda: self.api.inspect_container(cid))
                bindings = (data.get("NetworkSettings") or {}).get("Ports") or {}
                entry = (bindings.get(f"{container_port}/tcp") or [{}])[0]
                host_port = int(entry["HostPort"]) if entry.get("HostPort") else None
        except BaseException:
            self.remove_container(cid)
            raise
        return cid, host_port

    def run_once(self, image: str, command: list[str], *, timeout_s: int = 60) -> str:
        """Run a short command in ``image`` and return its stdout; the container is removed."""
        cid, _ = self.run_container(image, command=command)
        try:
            try:
                result = self.api.wait(cid, timeout=timeout_s)
            except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError) as exc:
                raise BuildError(
                    f"`{' '.join(command)}` in {image} did not finish in {timeout_s} s."
                ) from exc
            out = self.api.logs(cid, stdout=True, stderr=False).decode("utf-8", "replace")
            if result.get("StatusCode") != 0:
                err = self.api.logs(cid, stdout=False, stderr=True).decode("utf-8", "replace")
                raise BuildError(
                    f"Running {command[0]} in {image} failed (exit {result.get('StatusCode')}): "
                    f"{err.strip()[-500:]}"
                )
            return out
        finally:
            self.remove_container(cid)

    def container_logs(self, container_id: str, tail: int = 200) -> str:
        try:
            return self.api.logs(container_id, tail=tail).decode("utf-8", "replace")
        except (docker.errors.DockerException, *_STREAM_ERRORS):
            return ""

    def container_running(self, container_id: str) -> bool:
        try:
            data = self.api.inspect_container(container_id)
        except (docker.errors.DockerException, *_STREAM_ERRORS):
            return False
        return bool((data.get("State") or {}).get("Running"))

    def stop_container(self, container_id: str, timeout: int = 5) -> None:
        try:
            self.api.stop(container_id, timeout=timeout)
        except docker.errors.NotFound:
            pass
        except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
            raise self._unavailable(exc) from exc

    def remove_container(self, container_id: str) -> None:
        """Force-remove; a container that is already gone is fine."""
        try:
            self.api.remove_container(container_id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc):
                raise BuildError(f"Could not remove container {container_id[:12]}: {exc}") from exc
        except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
            raise self._unavailable(exc) from exc

    def list_containers(self, *, label: str | None = None) -> list[dict[str, Any]]:
        filters = {"label": label} if label else None
        return list(
            self._call("list containers", lambda: self.api.containers(all=True, filters=filters))
        )

    def stats_once(self, container_id: str) -> tuple[float, int, int] | None:
        """One CPU% / memory sample of a running container (None once it is gone)."""
        try:
            s = self.api.stats(container_id, stream=False)
        except (docker.errors.DockerException, *_STREAM_ERRORS):
            return None
        return cpu_mem_from_stats(s)

    # ---------------------------------------------------------------- push
    def push(
        self,
        repository: str,
        tag: str,
        auth_config: dict[str, str],
        *,
        on_log: Callable[[str], None] = lambda _l: None,
        handle: StreamHandle | None = None,
    ) -> PushOutcome:
        """Push with explicit credentials; in-stream errors become a classified RegistryError."""
        handle = handle or StreamHandle()
        digest: str | None = None
        size: int | None = None
        self.api._local.handle = handle
        try:
            stream = self.api.push(
                repository, tag=tag, stream=True, decode=True, auth_config=auth_config
            )
            last_status: dict[str, str] = {}
            for chunk in stream:
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail") or {}
                    msg = str(chunk.get("error") or detail.get("message") or "push failed")
                    raise RegistryError(
                        f"Push of {repository}:{tag} failed: {msg}", kind=classify_push_error(msg)
                    )
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
            msg = str(exc.explanation or exc)
            raise RegistryError(
                f"Push of {repository}:{tag} failed: {msg}", kind=classify_push_error(msg)
            ) from exc
        except (docker.errors.DockerException, *_STREAM_ERRORS) as exc:
            if handle.reason == "cancelled":
                raise CancelledError("The push was cancelled.") from exc
            raise RegistryError(
                f"The Docker daemon at {self.host} stopped responding during the push: "
                f"{_short_reason(exc)}.",
                kind="unreachable",
            ) from exc
        finally:
            self.api._local.handle = None
        if handle.reason == "cancelled":
            raise CancelledError("The push was cancelled.")
        if not digest:
            raise RegistryError(
                f"Push of {repository}:{tag} ended without a digest from the registry.",
                kind="error",
            )
        return PushOutcome(digest=digest, size=int(size) if size is not None else None)


def cpu_mem_from_stats(s: dict[str, Any]) -> tuple[float, int, int]:
    """CPU percent (of one core = 100) and memory usage/limit from a /stats sample."""
    cpu = s.get("cpu_stats") or {}
    pre = s.get("precpu_stats") or {}
    cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (
        pre.get("cpu_usage") or {}
    ).get("total_usage", 0)
    sys_delta = (cpu.get("system_cpu_usage") or 0) - (pre.get("system_cpu_usage") or 0)
    ncpu = (
        cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    )
    percent = (cpu_delta / sys_delta) * ncpu * 100.0 if sys_delta > 0 and cpu_delta > 0 else 0.0
    mem = s.get("memory_stats") or {}
    usage = int(mem.get("usage") or 0)
    cache = int(((mem.get("stats") or {}).get("inactive_file")) or 0)
    return percent, max(usage - cache, 0), int(mem.get("limit") or 0)


def _short_reason(exc: BaseException | None) -> str:
    """The innermost useful reason of a requests/urllib3/docker error, one line."""
    if exc is None:
        return "unknown error"
    text = str(exc)
    low = text.lower()
    if "connection refused" in low or "connectionrefused" in low:
        return "connection refused"
    if "no such file or directory" in low or "filenotfounderror" in low:
        return "no such socket (is the daemon running?)"
    if "permission denied" in low:
        return "permission denied (is your user in the docker group?)"
    if "timed out" in low or "timeout" in low:
        return "timed out"
    if "ended prematurely" in low or "incompleteread" in low or "connection broken" in low:
        return "the connection was closed mid-stream"
    text = text.splitlines()[0] if text else exc.__class__.__name__
    return text[:300]
