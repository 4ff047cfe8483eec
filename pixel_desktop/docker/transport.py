"""One transport to a daemon (unix, ssh with checked host keys, tcp+TLS) and the connection
every resource mixin works on.

Why an ``APIClient`` subclass: docker-py silently reads the user's ``~/.docker/config.json``
(credential helpers included) and would send it with builds; its ssh adapter checks host
keys against one file only; and its streams cannot be closed from another thread. Here
credentials only come from the keyring (passed per call), ssh goes through
``ssh.StrictSSHAdapter``, and a stream started while a ``StreamHandle`` is attached can be
closed by a cancel button or the idle watchdog.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

import docker
import docker.errors
import docker.tls
from docker import auth as docker_auth

from pixel_desktop.docker.errors import DAEMON_ERRORS, calling, unavailable
from pixel_desktop.docker.hosts import SshOptions, TlsOptions, Transport, resolve_host, transport
from pixel_desktop.docker.ssh import StrictSSHAdapter
from pixel_desktop.docker.stream import StreamHandle
from pixel_desktop.errors import DockerError

API_TIMEOUT_S = 60  # ordinary (non-streaming) calls
API_VERSION_FLOOR = "1.41"  # Docker 20.10; the real version is negotiated after connecting
PING_TIMEOUT_S = 5
T = TypeVar("T")


def tls_config(tls: TlsOptions | None) -> docker.tls.TLSConfig | bool:
    if tls is None:
        return False
    return docker.tls.TLSConfig(
        client_cert=(str(tls.client_cert), str(tls.client_key)),
        ca_cert=str(tls.ca_cert),
        verify=True,
    )


class ApiClient(docker.APIClient):
    """An APIClient on one transport, without the user's docker config, with closable streams."""

    def __init__(self, policy: Transport, *, timeout: float) -> None:
        base_url = policy.url.raw
        is_ssh = policy.url.scheme == "ssh"
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            tls=tls_config(policy.tls),
            version=API_VERSION_FLOOR,
            use_ssh_client=is_ssh,  # no connection yet: the adapter is replaced below
        )
        self._general_configs: dict[str, Any] = {}
        self._auth_configs = docker_auth.AuthConfig({})
        self._local = threading.local()
        if is_ssh:
            self._custom_adapter = StrictSSHAdapter(
                base_url, policy.ssh or SshOptions(), int(timeout), 9
            )
            self.mount("http+docker://ssh", self._custom_adapter)
        try:
            self._version = self._retrieve_server_version()
        except docker.errors.DockerException:
            # A fresh ssh channel running `docker system dial-stdio` is occasionally closed
            # before it answers (seen as RemoteDisconnected); one retry on a new channel.
            if not is_ssh:
                raise
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

    @contextlib.contextmanager
    def attached(self, handle: StreamHandle) -> Iterator[StreamHandle]:
        """Streams this thread starts inside the block can be closed through ``handle``."""
        self._local.handle = handle
        try:
            yield handle
        finally:
            self._local.handle = None


class Connection:
    """A daemon reached with the host policy's transport; what every resource mixin uses."""

    host: str
    target_name: str | None
    api: ApiClient

    def __init__(
        self,
        host: str | None = None,
        *,
        target_name: str | None = None,
        timeout: float = API_TIMEOUT_S,
    ) -> None:
        """Connect to ``host`` (else DOCKER_HOST, the docker context, the default socket).

        The policy (``hosts.transport``) refuses a plain tcp:// host before any byte is sent,
        gives tcp:// TLS client certificates and ssh:// strictly checked host keys."""
        self.host = resolve_host(host)
        self.target_name = target_name
        self._policy = transport(self.host, target_name)
        self.api = self._open(timeout)

    def _open(self, timeout: float) -> ApiClient:
        try:
            return ApiClient(self._policy, timeout=timeout)
        except DockerError:
            raise
        except DAEMON_ERRORS as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, DockerError):  # e.g. an unknown or changed SSH host key
                raise cause from exc
            raise unavailable(self.host, exc) from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()`` with every docker-py error turned into the one typed ``DockerError``."""
        with calling(self.host, what):
            return fn()
