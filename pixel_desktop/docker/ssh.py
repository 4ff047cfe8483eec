"""SSH to a Docker host with checked host keys, and trusting a host's key.

docker-py's paramiko adapter only reads ``~/.ssh/known_hosts`` and ``~/.ssh/config``.
``StrictSSHAdapter`` replaces it with a client that loads every known_hosts file the host
policy names (``hosts.ssh_options``: the user's, the ssh config's and the one
``pixel targets trust`` writes), rejects unknown keys (``HostKeyError`` with the fingerprint
and how to trust it) and changed keys (paramiko's ``BadHostKeyException``), and
authenticates with the configured identity files, the agent and the default keys. Every
client reaching an ``ssh://`` host goes through it, builds and deploys alike, so the
Settings check and the Deploy check cannot disagree about a key.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import paramiko
from docker.transport.sshconn import SSHHTTPAdapter

from pixel_desktop.docker.errors import short_reason
from pixel_desktop.docker.hosts import (
    HostUrl,
    SshOptions,
    pixel_known_hosts,
    ssh_endpoint,
    ssh_options,
)
from pixel_desktop.errors import DockerError, DockerUnavailableError, InputError

log = logging.getLogger(__name__)


class HostKeyError(DockerError):
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
            key_filename=list(opts.key_filenames) or None,  # type: ignore[arg-type]  # a list works
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
        raise DockerUnavailableError(
            f"SSH login to {user or '?'}@{host}:{port} was refused ({exc}). Load your key into "
            "ssh-agent or name it with IdentityFile in ~/.ssh/config, and make sure it is in the "
            "user's authorized_keys on the host."
        ) from exc
    except paramiko.SSHException as exc:
        client.close()
        if "no authentication methods" in str(exc).lower():
            # The host answered; we had no key to offer (paramiko says so this way, not with
            # an AuthenticationException), so the host and port are not the problem.
            raise DockerUnavailableError(
                f"SSH login to {user or '?'}@{host}:{port} failed: no SSH key was offered. Load "
                "your key into ssh-agent (`ssh-add`), keep it as ~/.ssh/id_ed25519 (or id_ecdsa, "
                "id_rsa), or name it with IdentityFile for this host in ~/.ssh/config."
            ) from exc
        raise DockerUnavailableError(
            f"Cannot open an SSH connection to {host}:{port}: {short_reason(exc)}. "
            "Check the host name, port and that sshd is running."
        ) from exc
    except (OSError, EOFError) as exc:
        client.close()
        raise DockerUnavailableError(
            f"Cannot open an SSH connection to {host}:{port}: {short_reason(exc)}. "
            "Check the host name, port and that sshd is running."
        ) from exc
    return client


def scan_host_key(host: str, port: int, timeout_s: float = 10.0) -> paramiko.PKey:
    """The key a host presents, without authenticating (for `pixel targets trust`)."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout_s)
    except OSError as exc:
        raise DockerUnavailableError(
            f"Cannot connect to {host}:{port}: {short_reason(exc)}."
        ) from exc
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout_s
        transport.start_client(timeout=timeout_s)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise DockerUnavailableError(
            f"{host}:{port} did not complete an SSH handshake: {short_reason(exc)}."
        ) from exc
    finally:
        transport.close()


class StrictSSHAdapter(SSHHTTPAdapter):
    """docker-py's SSH adapter with our strict, configurable paramiko client."""

    ssh_client: paramiko.SSHClient | None

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


# --------------------------------------------------------------------------- trusting keys
@dataclass(frozen=True, slots=True)
class PresentedKey:
    host: str
    port: int
    key_type: str
    fingerprint: str
    line: str  # the known_hosts line trusting it
    already_trusted: bool
    # Other keys the known_hosts files list for this host: (key type, fingerprint, file).
    # Non-empty when the host's key CHANGED since it was trusted.
    previous: tuple[tuple[str, str, Path], ...] = ()
    revoked: bool = False  # the key is marked @revoked: never trust it

    @property
    def changed(self) -> bool:
        return bool(self.previous) and not self.already_trusted


def presented_key(url: HostUrl, target_name: str | None = None) -> PresentedKey:
    """The key an ``ssh://`` host presents now, and whether a known_hosts file trusts it."""
    if url.scheme != "ssh":
        raise InputError(f"{url.raw} is not an ssh:// host; only SSH targets have host keys.")
    opts = ssh_options(url, target_name)
    host, port = ssh_endpoint(url, opts)
    key = scan_host_key(host, port)
    known = load_known_hosts(opts.known_hosts)
    name = known_hosts_name(host, port)
    fp = fingerprint(key)
    revoked = known.is_revoked(key)
    trusted = known.keys.check(name, key) and not revoked
    previous = tuple(entry for entry in known.trusted_for(name) if entry[1] != fp)
    return PresentedKey(
        host=host,
        port=port,
        key_type=key.get_name(),
        fingerprint=fp,
        line=f"{name} {key.get_name()} {key.get_base64()}\n",
        already_trusted=bool(trusted),
        previous=previous,
        revoked=revoked,
    )


def trust(key: PresentedKey) -> Path:
    """Add the key to Pixel's own known_hosts (never edits the user's ~/.ssh).

    A changed key replaces the host's old lines in Pixel's file: paramiko keeps the first
    key of a type, so an appended new key would never be used. Old entries in other files
    stay (they are the user's); ``changed_key_warning`` tells how to remove them. A
    ``@revoked`` key is refused."""
    if key.revoked:
        raise InputError(
            f"The key {key.key_type} {key.fingerprint} of {key.host} port {key.port} is marked "
            "@revoked in known_hosts; it cannot be trusted."
        )
    path = pixel_known_hosts()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    name = key.line.split()[0]
    kept = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True):
            fields = line.split()
            old = len(fields) >= 2 and not fields[0].startswith("@")
            if old and name in fields[0].split(",") and fields[1] == key.key_type:
                continue  # the old key of this type for this host
            kept.append(line)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(kept) + key.line)
    os.replace(tmp, path)
    return path


def changed_key_warning(key: PresentedKey) -> str | None:
    """The warning to show before trusting a key that differs from the one trusted before,
    with both fingerprints; None when nothing was trusted for the host."""
    if not key.changed:
        return None
    mine = pixel_known_hosts()
    lines = [
        f"WARNING: the SSH host key of {key.host} port {key.port} has CHANGED. This can mean "
        "someone is intercepting the connection; trust the new key only after the host's "
        "administrator confirmed it.",
    ]
    for key_type, fp, path in key.previous:
        lines.append(f"  previously trusted: {key_type} {fp} (in {path})")
    lines.append(f"  now presented:      {key.key_type} {key.fingerprint}")
    others = sorted({str(p) for _, _, p in key.previous if p != mine})
    if others:
        lines.append(
            f"  The old key stays in {', '.join(others)} and takes precedence there; remove it "
            f"with `ssh-keygen -R '{key.line.split()[0]}'`."
        )
    return "\n".join(lines)
