"""The Docker operations a deployment needs, against any daemon: local, ``ssh://`` or ``tcp://`` + TLS.

Why a second docker-importing module next to ``docker_gateway``: the gateway is tuned for
local builds (streams a cancel button can close, build quirks); deploying needs other
things — remote clients whose SSH host key is checked strictly, an image streamed from one
daemon into another, container replacement by label, Swarm services with rollback config.
Everything here raises ``DeployError``/``DockerUnavailableError`` with a message naming the
host, never a docker-py exception.

SSH: docker-py's paramiko adapter only reads ``~/.ssh/known_hosts`` and ``~/.ssh/config``.
``StrictSSHAdapter`` replaces it with a client that loads every known_hosts file the deploy
layer names, rejects unknown keys (``HostKeyError`` with the fingerprint and how to trust
it) and changed keys (paramiko's ``BadHostKeyException``), and authenticates with the
configured identity files, the agent and the default keys.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import shlex
import shutil
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.tls
import docker.types
import paramiko
import requests.exceptions
import urllib3.exceptions
from docker import auth as docker_auth
from docker.transport.sshconn import SSHHTTPAdapter

from pixel_desktop.docker.gateway import DaemonInfo, _short_reason, cpu_mem_from_stats
from pixel_desktop.errors import DeployError, DockerUnavailableError

log = logging.getLogger(__name__)

API_VERSION_FLOOR = "1.41"  # Docker 20.10; the real version is negotiated after connecting
CHUNK = 1024 * 1024
_NET_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
    OSError,
    paramiko.SSHException,
    EOFError,
)


# --------------------------------------------------------------------------- errors
class HostKeyError(DeployError):
    """An SSH host key is unknown or changed; the message tells how to trust it."""

    def __init__(
        self, message: str, *, host: str, port: int, fingerprint: str, key_type: str, kind: str
    ) -> None:
        self.host, self.port, self.fingerprint = host, port, fingerprint
        self.key_type, self.kind = key_type, kind  # kind: unknown | changed | revoked
        super().__init__(message)


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style ``SHA256:...`` fingerprint (what ``ssh-keygen -lf`` prints)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def trust_hint(host: str, port: int, target_name: str | None) -> str:
    scan = f"ssh-keyscan -p {port} {host} >> ~/.ssh/known_hosts"
    by_name = (
        f"`pixel targets trust {target_name}`" if target_name else "`pixel targets trust NAME`"
    )
    return (
        f"After verifying the fingerprint with the host's administrator, trust it with {by_name} "
        f"(shows the fingerprint and asks) or `{scan}`."
    )


# --------------------------------------------------------------------------- connection options
@dataclass(frozen=True, slots=True)
class SshOptions:
    """How to reach an ``ssh://`` host; computed by the deploy layer from ssh config + env."""

    known_hosts: tuple[Path, ...] = ()
    key_filenames: tuple[str, ...] = ()
    hostname: str | None = None  # from ssh config HostName
    port: int | None = None
    username: str | None = None
    allow_agent: bool = True
    look_for_keys: bool = True
    connect_timeout_s: float = 15.0
    target_name: str | None = None  # only for messages


@dataclass(frozen=True, slots=True)
class TlsOptions:
    ca_cert: Path
    client_cert: Path
    client_key: Path


@dataclass(frozen=True, slots=True)
class KnownHosts:
    """What a set of known_hosts files trusts, and the keys they revoke."""

    keys: paramiko.HostKeys
    revoked: tuple[paramiko.PKey, ...] = ()
    sources: dict[str, tuple[tuple[str, str, Path], ...]] = field(default_factory=dict)

    def is_revoked(self, key: paramiko.PKey) -> bool:
        return any(key.asbytes() == r.asbytes() for r in self.revoked)

    def trusted_for(self, name: str) -> tuple[tuple[str, str, Path], ...]:
        """(key type, fingerprint, file) of every trusted key listed for ``name`` (for
        warnings: paramiko keeps one key per type, the files may list more). Hashed names
        (``|1|salt|hash``) are matched by hashing ``name`` with their salt."""
        found = list(self.sources.get(name, ()))
        for listed, entries in self.sources.items():
            if listed.startswith("|1|") and paramiko.HostKeys.hash_host(name, listed) == listed:
                found.extend(entries)
        return tuple(found)


def load_known_hosts(paths: Iterable[Path], into: paramiko.HostKeys | None = None) -> KnownHosts:
    """Read known_hosts files with OpenSSH's line rules, not ``HostKeys.load``'s.

    Why: paramiko's loader raises ``InvalidHostKey`` on a marker line (``@cert-authority``,
    ``@revoked``), so one such line in ``~/.ssh/known_hosts`` broke every SSH target.
    Here a ``@revoked`` key is refused for every host (and dropped from the trusted set even
    if another line lists it, as OpenSSH does); ``@cert-authority`` lines are skipped with
    a log note, since paramiko does not verify host certificates; an unreadable or malformed
    line is skipped with a note naming file and line, never the whole file. The first key
    of a type listed for a host wins, as with ``HostKeys.load``."""
    keys = into if into is not None else paramiko.HostKeys()
    plain: list[tuple[paramiko.hostkeys.HostKeyEntry, Path]] = []
    revoked: list[paramiko.PKey] = []
    for path in paths:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            log.warning("ignoring unreadable known_hosts %s: %s", path, exc)
            continue
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            marker = None
            if line.startswith("@"):
                parts = line.split(None, 1)
                marker, line = parts[0], (parts[1] if len(parts) > 1 else "")
                if marker not in ("@revoked", "@cert-authority"):
                    log.info(
                        "known_hosts %s:%d: unknown marker %s, line skipped", path, lineno, marker
                    )
                    continue
                if marker == "@cert-authority":
                    log.info(
                        "known_hosts %s:%d: @cert-authority skipped (host certificates are not "
                        "verified; list the host's own key to trust it)",
                        path,
                        lineno,
                    )
                    continue
            try:
                entry = paramiko.hostkeys.HostKeyEntry.from_line(line, lineno)
            except (paramiko.SSHException, paramiko.hostkeys.InvalidHostKey, ValueError) as exc:
                log.info("known_hosts %s:%d: unreadable line skipped (%s)", path, lineno, exc)
                continue
            if entry is None:  # too few fields or a key type paramiko cannot use
                continue
            if marker == "@revoked":
                revoked.append(entry.key)
            else:
                plain.append((entry, path))
    sources: dict[str, list[tuple[str, str, Path]]] = {}
    for entry, path in plain:
        if any(entry.key.asbytes() == r.asbytes() for r in revoked):
            continue
        for name in entry.hostnames:
            kind = entry.key.get_name()
            sources.setdefault(name, []).append((kind, fingerprint(entry.key), path))
            existing = keys.lookup(name)
            if existing is None or kind not in existing:
                keys.add(name, kind, entry.key)
    return KnownHosts(keys, tuple(revoked), {k: tuple(v) for k, v in sources.items()})


def _revoked_error(host: str, port: int, key: paramiko.PKey) -> HostKeyError:
    fp = fingerprint(key)
    return HostKeyError(
        f"The SSH host key of {host} port {port} ({key.get_name()} {fp}) is marked @revoked in "
        "known_hosts; refusing to connect. Ask the host's administrator for its new key.",
        host=host,
        port=port,
        fingerprint=fp,
        key_type=key.get_name(),
        kind="revoked",
    )


class _StrictPolicy(paramiko.MissingHostKeyPolicy):
    def __init__(self, port: int, target_name: str | None, known: KnownHosts | None = None) -> None:
        self.port, self.target_name, self.known = port, target_name, known

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        host = hostname
        if host.startswith("[") and "]:" in host:
            host = host[1:].split("]:")[0]
        if self.known is not None and self.known.is_revoked(key):
            raise _revoked_error(host, self.port, key)
        fp = fingerprint(key)
        raise HostKeyError(
            f"The SSH host key of {host} port {self.port} is unknown ({key.get_name()} {fp}); "
            f"refusing to connect. {trust_hint(host, self.port, self.target_name)}",
            host=host,
            port=self.port,
            fingerprint=fp,
            key_type=key.get_name(),
            kind="unknown",
        )


def open_ssh_client(url: str, opts: SshOptions) -> paramiko.SSHClient:
    """A connected paramiko client with strict host-key checking (unknown/changed → HostKeyError)."""
    parsed = urllib.parse.urlparse(url)
    host = opts.hostname or parsed.hostname or ""
    port = parsed.port or opts.port or 22
    user = parsed.username or opts.username
    client = paramiko.SSHClient()
    known = load_known_hosts(opts.known_hosts, into=client.get_host_keys())
    client.set_missing_host_key_policy(_StrictPolicy(port, opts.target_name, known))
    try:
        client.connect(
            hostname=host,
            port=port,
            username=user,
            key_filename=list(opts.key_filenames) or None,
            allow_agent=opts.allow_agent,
            look_for_keys=opts.look_for_keys,
            timeout=opts.connect_timeout_s,
            banner_timeout=opts.connect_timeout_s,
            auth_timeout=opts.connect_timeout_s,
        )
    except HostKeyError:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        if known.is_revoked(exc.key):
            raise _revoked_error(host, port, exc.key) from exc
        fp = fingerprint(exc.key)
        raise HostKeyError(
            f"The SSH host key of {host} port {port} has CHANGED: it now presents "
            f"{exc.key.get_name()} {fp}, but known_hosts has {fingerprint(exc.expected_key)}. "
            "This can mean someone is intercepting the connection; refusing to connect. If the "
            f"host was legitimately reinstalled, remove the old entry (`ssh-keygen -R "
            f"'{known_hosts_name(host, port)}'`) and trust the new key. "
            f"{trust_hint(host, port, opts.target_name)}",
            host=host,
            port=port,
            fingerprint=fp,
            key_type=exc.key.get_name(),
            kind="changed",
        ) from exc
    except paramiko.AuthenticationException as exc:
        client.close()
        raise DeployError(
            f"SSH login to {user or '?'}@{host}:{port} was refused ({exc}). Load your key into "
            "ssh-agent or name it with IdentityFile in ~/.ssh/config, and make sure it is in the "
            "user's authorized_keys on the host."
        ) from exc
    except (paramiko.SSHException, OSError, EOFError) as exc:
        client.close()
        raise DockerUnavailableError(
            f"Cannot open an SSH connection to {host}:{port}: {_short_reason(exc)}. "
            "Check the host name, port and that sshd is running."
        ) from exc
    return client


def scan_host_key(host: str, port: int, timeout_s: float = 10.0) -> paramiko.PKey:
    """The key a host presents, without authenticating (for `pixel targets trust`)."""
    import socket

    try:
        sock = socket.create_connection((host, port), timeout=timeout_s)
    except OSError as exc:
        raise DockerUnavailableError(
            f"Cannot connect to {host}:{port}: {_short_reason(exc)}."
        ) from exc
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout_s
        transport.start_client(timeout=timeout_s)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise DockerUnavailableError(
            f"{host}:{port} did not complete an SSH handshake: {_short_reason(exc)}."
        ) from exc
    finally:
        transport.close()


class StrictSSHAdapter(SSHHTTPAdapter):
    """docker-py's SSH adapter with our strict, configurable paramiko client."""

    def __init__(self, base_url: str, opts: SshOptions, timeout: int, num_pools: int) -> None:
        self._opts = opts
        self._url = base_url
        super().__init__(base_url, timeout, pool_connections=num_pools, shell_out=False)

    def _create_paramiko_client(self, base_url: str) -> None:
        self.ssh_client = None  # connected in _connect

    def _connect(self) -> None:
        if self.ssh_client is not None:
            self.ssh_client.close()
        self.ssh_client = open_ssh_client(self._url, self._opts)


class _Api(docker.APIClient):
    """APIClient that never reads the user's docker config (credentials come from the keyring)."""

    def __init__(
        self, base_url: str, *, timeout: int, tls: Any = False, ssh: SshOptions | None
    ) -> None:
        is_ssh = base_url.startswith("ssh://")
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            tls=tls,
            version=API_VERSION_FLOOR,
            use_ssh_client=is_ssh,  # no connection yet: the adapter is replaced below
        )
        self._general_configs = {}
        self._auth_configs = docker_auth.AuthConfig({})
        if is_ssh:
            self._custom_adapter = StrictSSHAdapter(base_url, ssh or SshOptions(), timeout, 9)
            self.mount("http+docker://ssh", self._custom_adapter)
        try:
            self._version = self._retrieve_server_version()
        except docker.errors.DockerException:
            # A fresh ssh channel running `docker system dial-stdio` is occasionally closed
            # before it answers (seen as RemoteDisconnected); one retry on a new channel.
            if not is_ssh:
                raise
            self._version = self._retrieve_server_version()


# --------------------------------------------------------------------------- value objects
@dataclass(frozen=True, slots=True)
class ContainerInfo:
    id: str
    name: str
    state: str  # created | running | exited | ...
    image: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContainerState:
    status: str
    exit_code: int
    health: str | None  # starting | healthy | unhealthy | None (no HEALTHCHECK)
    error: str


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    id: str
    version: int
    update_state: (
        str | None
    )  # updating | completed | rollback_started | rollback_completed | paused | ...
    update_message: str
    running_tasks: int
    desired_replicas: int
    image: str


# --------------------------------------------------------------------------- the client
class DeployDocker:
    """One daemon (local or remote) seen through deploy-shaped operations and clear errors."""

    def __init__(
        self,
        host: str,
        *,
        ssh: SshOptions | None = None,
        tls: TlsOptions | None = None,
        timeout: int = 60,
    ) -> None:
        self.host = host
        tls_config: Any = False
        if tls is not None:
            for p in (tls.ca_cert, tls.client_cert, tls.client_key):
                if not Path(p).is_file():
                    raise DeployError(
                        f"TLS file {p} for {host} does not exist; put ca.pem, cert.pem and key.pem "
                        "there (the files `docker --tlsverify` uses)."
                    )
            tls_config = docker.tls.TLSConfig(
                client_cert=(str(tls.client_cert), str(tls.client_key)),
                ca_cert=str(tls.ca_cert),
                verify=True,
            )
        try:
            self.api = _Api(host, timeout=timeout, tls=tls_config, ssh=ssh)
        except HostKeyError:
            raise
        except (DeployError, DockerUnavailableError):
            raise
        except (docker.errors.DockerException, *_NET_ERRORS) as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, HostKeyError):
                raise cause from exc
            raise self._unavailable(exc) from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.api.close()

    def __enter__(self) -> DeployDocker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unavailable(self, exc: BaseException) -> DockerUnavailableError:
        return DockerUnavailableError(
            f"Cannot reach the Docker daemon at {self.host}: {_short_reason(exc)}."
        )

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except docker.errors.NotFound:
            raise
        except docker.errors.APIError as exc:
            raise DeployError(
                f"Docker at {self.host} refused to {what}: {exc.explanation or exc}"
            ) from exc
        except (docker.errors.DockerException, *_NET_ERRORS) as exc:
            raise self._unavailable(exc) from exc

    # ---------------------------------------------------------------- daemon facts
    def ping(self) -> DaemonInfo:
        v = self._call("report its version", self.api.version)
        return DaemonInfo(
            version=str(v.get("Version", "?")),
            api_version=str(v.get("ApiVersion", "?")),
            os=str(v.get("Os", "?")),
            arch=str(v.get("Arch", "?")),
            host=self.host,
        )

    def info(self) -> dict[str, Any]:
        return dict(self._call("report its info", self.api.info))

    def disk_usage(self) -> dict[str, Any]:
        return dict(self._call("report disk usage", self.api.df))

    def swarm_state(self) -> str:
        """inactive | pending | active | error | locked."""
        return str((self.info().get("Swarm") or {}).get("LocalNodeState") or "inactive")

    def port_users(self, port: int) -> list[str]:
        """Names of containers/services on this daemon publishing host ``port``."""
        users: list[str] = []
        for c in self._call("list containers", lambda: self.api.containers(all=False)):
            for p in c.get("Ports") or []:
                if p.get("PublicPort") == port:
                    users.append("container " + (c.get("Names") or ["?"])[0].lstrip("/"))
        if self.swarm_state() == "active":
            for s in self._call("list services", self.api.services):
                for p in ((s.get("Endpoint") or {}).get("Ports")) or []:
                    if p.get("PublishedPort") == port:
                        users.append("service " + s["Spec"]["Name"])
        return sorted(set(users))

    def free_disk_bytes(self, root: str) -> int | None:
        """Free bytes on the filesystem of ``root`` (DockerRootDir) on the daemon's machine.

        The Docker API reports usage, not free space: for a local socket the path is read
        directly, for ``ssh://`` ``df -Pk`` runs over the same SSH connection; else None.
        """
        if self.host.startswith("unix://"):
            try:
                return shutil.disk_usage(root).free
            except OSError:
                return None
        adapter = getattr(self.api, "_custom_adapter", None)
        client = getattr(adapter, "ssh_client", None)
        if not isinstance(client, paramiko.SSHClient):
            return None
        try:
            _, out, _ = client.exec_command(f"df -Pk -- {shlex.quote(root)}", timeout=15)
            lines = out.read().decode("utf-8", "replace").strip().splitlines()
            return int(lines[-1].split()[3]) * 1024
        except (paramiko.SSHException, OSError, ValueError, IndexError):
            return None

    # ---------------------------------------------------------------- images
    def image_exists(self, ref: str) -> bool:
        try:
            self._call("inspect an image", lambda: self.api.inspect_image(ref))
            return True
        except docker.errors.NotFound:
            return False

    def inspect_image(self, ref: str) -> dict[str, Any]:
        try:
            return dict(self._call("inspect an image", lambda: self.api.inspect_image(ref)))
        except docker.errors.NotFound as exc:
            raise DeployError(f"Image {ref} does not exist on {self.host}.") from exc

    def tag(self, image: str, ref: str) -> None:
        repo, tag = split_ref(ref)
        self._call("tag an image", lambda: self.api.tag(image, repo, tag, force=True))

    def remove_image(self, ref: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._call("remove an image", lambda: self.api.remove_image(ref, force=True))

    def pull(self, ref: str, auth: dict[str, str] | None, on_log: Callable[[str], None]) -> str:
        """Pull ``ref`` with explicit credentials; returns the image id. Stream errors are raised."""
        repo, tag = split_ref(ref)

        def run() -> None:
            for chunk in self.api.pull(repo, tag=tag, stream=True, decode=True, auth_config=auth):
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail") or {}
                    msg = chunk.get("error") or detail.get("message") or "unknown pull error"
                    raise DeployError(f"{self.host} could not pull {ref}: {msg}")
                if chunk.get("status") and not chunk.get("progress"):
                    on_log(f"{chunk.get('id', '')} {chunk['status']}".strip())

        try:
            self._call(f"pull {ref}", run)
        except docker.errors.NotFound as exc:
            raise DeployError(
                f"{self.host} could not pull {ref}: not found in the registry."
            ) from exc
        return str(self.inspect_image(ref)["Id"])

    def save_stream(self, refs: Iterable[str]) -> Iterator[bytes]:
        """``docker save`` of one or more references as a chunk stream (a tar)."""
        names = list(refs)
        try:
            res = self.api._get(self.api._url("/images/get"), params={"names": names}, stream=True)
            self.api._raise_for_status(res)
        except docker.errors.NotFound as exc:
            raise DeployError(
                f"Cannot save {', '.join(names)} from {self.host}: not found."
            ) from exc
        except docker.errors.APIError as exc:
            raise DeployError(
                f"Cannot save {', '.join(names)} from {self.host}: {exc.explanation}"
            ) from exc
        except (docker.errors.DockerException, *_NET_ERRORS) as exc:
            raise self._unavailable(exc) from exc
        return self.api._stream_raw_result(res, CHUNK, False)

    def load_stream(self, chunks: Iterable[bytes], on_log: Callable[[str], None]) -> list[str]:
        """``docker load`` from a chunk stream (sent with chunked transfer, no temp file)."""
        loaded: list[str] = []

        def run() -> None:
            res = self.api._post(self.api._url("/images/load"), data=iter(chunks), stream=True)
            self.api._raise_for_status(res)
            for chunk in self.api._stream_helper(res, decode=True):
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail") or {}
                    raise DeployError(
                        f"{self.host} could not load the image: "
                        f"{chunk.get('error') or detail.get('message')}"
                    )
                text = str(chunk.get("stream") or chunk.get("status") or "").strip()
                if text:
                    on_log(text)
                    if text.startswith("Loaded image"):
                        loaded.append(text.split(":", 1)[1].strip())

        self._call("load an image", run)
        return loaded

    def copy_image_from(
        self,
        source: DeployDocker,
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
            raise DeployError(f"After loading, {ref} is still missing on {self.host}.")

    def build_context(self, context_dir: Path, tag: str) -> str:
        """Build a small context (test stand-ins, bundle helpers); returns the image id."""
        image_id = ""

        def run() -> None:
            nonlocal image_id
            for chunk in self.api.build(path=str(context_dir), tag=tag, rm=True, decode=True):
                if "error" in chunk or "errorDetail" in chunk:
                    raise DeployError(f"Building {tag} failed: {chunk.get('error')}")
                aux = chunk.get("aux")
                if isinstance(aux, dict) and "ID" in aux:
                    image_id = aux["ID"]

        self._call(f"build {tag}", run)
        return image_id or str(self.inspect_image(tag)["Id"])

    # ---------------------------------------------------------------- containers
    def containers(self, labels: dict[str, str]) -> list[ContainerInfo]:
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        rows = self._call("list containers", lambda: self.api.containers(all=True, filters=filters))
        return [
            ContainerInfo(
                id=r["Id"],
                name=(r.get("Names") or ["?"])[0].lstrip("/"),
                state=str(r.get("State") or ""),
                image=str(r.get("Image") or ""),
                labels=dict(r.get("Labels") or {}),
            )
            for r in rows
        ]

    def create_and_start(
        self,
        *,
        name: str,
        image: str,
        port: int,
        env: dict[str, str],
        labels: dict[str, str],
        temporary: bool = False,
    ) -> str:
        """Create and start a container publishing ``port``; ``temporary`` publishes it on a
        free host port the daemon picks (see ``published_port``) and never restarts it: a
        candidate checked beside the running version before the switch-over."""
        host_config = self.api.create_host_config(
            port_bindings={f"{port}/tcp": None if temporary else port},
            restart_policy={"Name": "no" if temporary else "unless-stopped"},
        )
        created = self._call(
            "create the container",
            lambda: self.api.create_container(
                image,
                name=name,
                environment=[f"{k}={v}" for k, v in env.items()],
                labels=labels,
                ports=[port],
                host_config=host_config,
                detach=True,
            ),
        )
        cid = str(created["Id"])
        try:
            self._call("start the container", lambda: self.api.start(cid))
        except DeployError:
            self.remove_container(cid)
            raise
        return cid

    def published_port(self, cid: str, port: int) -> int | None:
        """The host port the daemon published container ``port`` on (None if none)."""
        info = self._call("inspect a container", lambda: self.api.inspect_container(cid))
        bindings = ((info.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{port}/tcp")
        for binding in bindings or []:
            with contextlib.suppress(TypeError, ValueError):
                return int(binding.get("HostPort"))
        return None

    def stop_container(self, cid: str, timeout_s: int = 10) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._call("stop a container", lambda: self.api.stop(cid, timeout=timeout_s))

    def start_container(self, cid: str) -> None:
        self._call("start a container", lambda: self.api.start(cid))

    def remove_container(self, cid: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._call("remove a container", lambda: self.api.remove_container(cid, force=True))

    def rename_container(self, cid: str, name: str) -> None:
        self._call("rename a container", lambda: self.api.rename(cid, name))

    def container_state(self, cid: str) -> ContainerState:
        try:
            data = self._call("inspect a container", lambda: self.api.inspect_container(cid))
        except docker.errors.NotFound:
            return ContainerState("missing", -1, None, "the container was removed")
        st = data.get("State") or {}
        health = (st.get("Health") or {}).get("Status")
        return ContainerState(
            status=str(st.get("Status") or "?"),
            exit_code=int(st.get("ExitCode") or 0),
            health=str(health) if health else None,
            error=str(st.get("Error") or ""),
        )

    def container_logs(self, cid: str, tail: int = 20) -> str:
        try:
            raw = self._call("read logs", lambda: self.api.logs(cid, tail=tail))
        except (docker.errors.NotFound, DeployError):
            return ""
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

    def stats_once(self, cid: str) -> tuple[float, int, int]:
        """CPU percent, memory used and memory limit of a running container (one sample)."""
        s = self._call("read stats", lambda: self.api.stats(cid, stream=False))
        return cpu_mem_from_stats(s)

    # ---------------------------------------------------------------- swarm
    def service(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self._call("inspect a service", lambda: self.api.inspect_service(name)))
        except docker.errors.NotFound:
            return None

    def service_status(self, name: str) -> ServiceStatus:
        svc = self.service(name)
        if svc is None:
            raise DeployError(f"Service {name} does not exist on {self.host}.")
        spec = svc.get("Spec") or {}
        upd = svc.get("UpdateStatus") or {}
        tasks = self._call(
            "list tasks",
            lambda: self.api.tasks(filters={"service": name, "desired-state": "running"}),
        )
        running = sum(1 for t in tasks if (t.get("Status") or {}).get("State") == "running")
        image = (((spec.get("TaskTemplate") or {}).get("ContainerSpec")) or {}).get("Image", "")
        return ServiceStatus(
            id=str(svc["ID"]),
            version=int((svc.get("Version") or {}).get("Index") or 0),
            update_state=upd.get("State"),
            update_message=str(upd.get("Message") or ""),
            running_tasks=running,
            desired_replicas=int(
                ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas") or 0
            ),
            image=str(image),
        )

    def task_errors(self, name: str) -> list[str]:
        tasks = self._call("list tasks", lambda: self.api.tasks(filters={"service": name}))
        out = []
        for t in tasks:
            st = t.get("Status") or {}
            if st.get("Err"):
                out.append(f"{st.get('State')}: {st['Err']}")
        return out

    def upsert_service(
        self,
        *,
        name: str,
        image: str,
        port: int,
        env: dict[str, str],
        labels: dict[str, str],
        replicas: int,
        health_cmd: list[str],
        auth: dict[str, str] | None = None,
    ) -> tuple[str, bool]:
        """Create or update the service; returns (service id, created). Rollback is Swarm's job."""
        sec = 1_000_000_000
        container = docker.types.ContainerSpec(
            image=image,
            env=[f"{k}={v}" for k, v in env.items()],
            labels=labels,
            healthcheck=docker.types.Healthcheck(
                test=health_cmd, interval=2 * sec, timeout=3 * sec, retries=3, start_period=2 * sec
            ),
        )
        task = docker.types.TaskTemplate(
            container_spec=container,
            restart_policy=docker.types.RestartPolicy(condition="any", delay=2 * sec),
            force_update=0,
        )
        update = docker.types.UpdateConfig(
            parallelism=1,
            delay=1 * sec,
            failure_action="rollback",
            monitor=15 * sec,
            max_failure_ratio=0,
            order="start-first",
        )
        rollback = docker.types.RollbackConfig(
            parallelism=1, delay=0, failure_action="pause", monitor=10 * sec, order="start-first"
        )
        mode = docker.types.ServiceMode("replicated", replicas=replicas)
        endpoint = docker.types.EndpointSpec(ports={port: port})
        current = self.service(name)
        # docker-py sends X-Registry-Auth for services from its auth configs only: point them
        # at the keyring credentials for this call, then back to nothing.
        if auth:
            server = auth.get("serveraddress") or split_ref(image)[0].split("/")[0]
            self.api._auth_configs = docker_auth.AuthConfig({"auths": {server: dict(auth)}})
        try:
            return self._upsert(name, current, task, labels, mode, update, rollback, endpoint)
        finally:
            self.api._auth_configs = docker_auth.AuthConfig({})

    def _upsert(
        self,
        name: str,
        current: dict[str, Any] | None,
        task: Any,
        labels: dict[str, str],
        mode: Any,
        update: Any,
        rollback: Any,
        endpoint: Any,
    ) -> tuple[str, bool]:
        if current is None:
            created = self._call(
                "create the service",
                lambda: self.api.create_service(
                    task,
                    name=name,
                    labels=labels,
                    mode=mode,
                    update_config=update,
                    rollback_config=rollback,
                    endpoint_spec=endpoint,
                ),
            )
            return str(created["ID"]), True
        version = int(current["Version"]["Index"])
        self._call(
            "update the service",
            lambda: self.api.update_service(
                current["ID"],
                version,
                task_template=task,
                name=name,
                labels=labels,
                mode=mode,
                update_config=update,
                rollback_config=rollback,
                endpoint_spec=endpoint,
            ),
        )
        return str(current["ID"]), False

    def rollback_service(self, name: str) -> None:
        """Ask Swarm to roll the service back to its previous spec."""
        svc = self.service(name)
        if svc is None:
            raise DeployError(f"Service {name} does not exist on {self.host}.")
        self._call(
            "roll back the service",
            lambda: self.api.update_service(
                svc["ID"],
                int(svc["Version"]["Index"]),
                rollback="previous",
                fetch_current_spec=True,
            ),
        )

    def remove_service(self, name: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._call("remove a service", lambda: self.api.remove_service(name))


def split_ref(ref: str) -> tuple[str, str]:
    """``repo[:tag]`` → (repo, tag); a registry port is not a tag; digests are kept whole."""
    if "@" in ref:
        return ref, ""
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = ref.rsplit(":", 1)
        return repo, tag
    return ref, "latest"


def repo_digest(image: dict[str, Any], repo: str | None = None) -> str | None:
    """The ``sha256:...`` registry digest of an inspected image (for ``repo`` when given)."""
    for d in image.get("RepoDigests") or []:
        name, _, digest = str(d).partition("@")
        if repo is None or name == repo:
            return digest or None
    return None


def describe_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, default=str)
