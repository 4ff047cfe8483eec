"""Target host URLs: validation, how to connect (SSH trust files, TLS certs), and trusting keys.

Why here and not in the engine: which known_hosts files count, where TLS certificates of a
target live and what a URL is allowed to look like are deploy policy; the engine module
only receives explicit ``SshOptions`` / ``TlsOptions``.

Files and variables:
- known_hosts: ``~/.ssh/known_hosts``, the ssh config's ``UserKnownHostsFile``,
  ``$PIXEL_HOME/ssh/known_hosts`` (what ``pixel targets trust`` writes) and
  ``PIXEL_SSH_KNOWN_HOSTS`` (a path, os.pathsep-separated list allowed).
- ssh config: ``PIXEL_SSH_CONFIG`` or ``~/.ssh/config`` (HostName, Port, User, IdentityFile).
- TLS for ``tcp://``: ``$PIXEL_HOME/tls/<target name>/{ca,cert,key}.pem`` (copied there by
  ``pixel targets add --tls-dir``), else ``DOCKER_CERT_PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import paramiko

from pixel_desktop import paths
from pixel_desktop.engine.docker_deploy import (
    DeployDocker,
    SshOptions,
    TlsOptions,
    fingerprint,
    known_hosts_name,
    scan_host_key,
)
from pixel_desktop.errors import InputError

KINDS = ("docker", "swarm")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")


@dataclass(frozen=True, slots=True)
class HostUrl:
    scheme: str  # unix | ssh | tcp | npipe
    host: str  # network host clients reach published ports on ("127.0.0.1" for sockets)
    port: int | None
    user: str | None
    raw: str


def validate_target_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise InputError(
            f"Invalid target name {name!r}: use 1-63 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"Invalid target kind {kind!r}: use one of {', '.join(KINDS)}.")
    return kind


def parse_docker_host(url: str) -> HostUrl:
    """Accept ``unix:///path``, ``ssh://[user@]host[:port]``, ``tcp://host:port``; else InputError."""
    text = (url or "").strip()
    parsed = urllib.parse.urlparse(text)
    example = "e.g. ssh://deploy@server.example:22, tcp://server.example:2376 or unix:///var/run/docker.sock"
    if parsed.scheme == "unix":
        if not parsed.path.startswith("/"):
            raise InputError(
                f"Invalid Docker host {url!r}: a unix socket needs an absolute path ({example})."
            )
        return HostUrl("unix", "127.0.0.1", None, None, text)
    if parsed.scheme == "npipe":
        return HostUrl("npipe", "127.0.0.1", None, None, text)
    if parsed.scheme in ("ssh", "tcp"):
        try:
            port = parsed.port
        except ValueError as exc:
            raise InputError(f"Invalid Docker host {url!r}: bad port ({example}).") from exc
        if not parsed.hostname or parsed.path not in ("", "/") or parsed.query or parsed.fragment:
            raise InputError(
                f"Invalid Docker host {url!r}: expected {parsed.scheme}://host[:port] ({example})."
            )
        if parsed.password:
            raise InputError(
                f"Invalid Docker host {url!r}: do not put a password in the URL; use an SSH key "
                "(ssh-agent or IdentityFile in ~/.ssh/config)."
            )
        if parsed.scheme == "tcp" and port is None:
            raise InputError(
                f"Invalid Docker host {url!r}: tcp:// needs a port, usually 2376 for TLS."
            )
        return HostUrl(parsed.scheme, parsed.hostname, port, parsed.username, text)
    raise InputError(f"Unsupported Docker host {url!r}: {example}.")


# --------------------------------------------------------------------------- SSH
def pixel_known_hosts() -> Path:
    return paths.home() / "ssh" / "known_hosts"


def _ssh_config_path() -> Path:
    env = os.environ.get("PIXEL_SSH_CONFIG")
    return Path(env).expanduser() if env else Path("~/.ssh/config").expanduser()


def ssh_options(url: HostUrl, target_name: str | None = None) -> SshOptions:
    """Known hosts, identities and HostName/Port/User for ``url`` from ssh config and env."""
    known: list[Path] = [Path("~/.ssh/known_hosts").expanduser(), pixel_known_hosts()]
    for item in (os.environ.get("PIXEL_SSH_KNOWN_HOSTS") or "").split(os.pathsep):
        if item.strip():
            known.append(Path(item.strip()).expanduser())
    keys: list[str] = []
    hostname = port = user = None
    cfg_path = _ssh_config_path()
    if cfg_path.is_file():
        cfg = paramiko.SSHConfig.from_path(str(cfg_path))
        entry = cfg.lookup(url.host)
        if entry.get("hostname") and entry["hostname"] != url.host:
            hostname = entry["hostname"]
        if entry.get("port"):
            port = int(entry["port"])
        user = entry.get("user")
        keys = [
            str(Path(k).expanduser())
            for k in entry.get("identityfile") or []
            if Path(k).expanduser().is_file()
        ]
        for k in entry.get("userknownhostsfile", "").split():
            known.append(Path(k).expanduser())
    return SshOptions(
        known_hosts=tuple(dict.fromkeys(known)),
        key_filenames=tuple(keys),
        hostname=hostname,
        port=port,
        username=user,
        target_name=target_name,
    )


def ssh_endpoint(url: HostUrl, opts: SshOptions) -> tuple[str, int]:
    return (opts.hostname or url.host, url.port or opts.port or 22)


@dataclass(frozen=True, slots=True)
class PresentedKey:
    host: str
    port: int
    key_type: str
    fingerprint: str
    line: str  # the known_hosts line trusting it
    already_trusted: bool


def presented_key(url: HostUrl, target_name: str | None = None) -> PresentedKey:
    """The key an ``ssh://`` host presents now, and whether a known_hosts file trusts it."""
    if url.scheme != "ssh":
        raise InputError(f"{url.raw} is not an ssh:// host; only SSH targets have host keys.")
    opts = ssh_options(url, target_name)
    host, port = ssh_endpoint(url, opts)
    key = scan_host_key(host, port)
    keys = paramiko.HostKeys()
    for p in opts.known_hosts:
        if p.is_file():
            try:
                keys.load(str(p))
            except (OSError, paramiko.SSHException):
                continue
    name = known_hosts_name(host, port)
    trusted = keys.check(name, key)
    return PresentedKey(
        host=host,
        port=port,
        key_type=key.get_name(),
        fingerprint=fingerprint(key),
        line=f"{name} {key.get_name()} {key.get_base64()}\n",
        already_trusted=bool(trusted),
    )


def trust(key: PresentedKey) -> Path:
    """Append the key to Pixel's own known_hosts (never edits the user's ~/.ssh)."""
    path = pixel_known_hosts()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as fh:
        fh.write(key.line)
    return path


# --------------------------------------------------------------------------- TLS
def tls_dir(target_name: str) -> Path:
    return paths.home() / "tls" / target_name


def install_tls(target_name: str, source: Path) -> Path:
    """Copy ca.pem/cert.pem/key.pem from ``source`` to the target's private TLS folder."""
    missing = [f for f in TLS_FILES if not (source / f).is_file()]
    if missing:
        raise InputError(
            f"{source} lacks {', '.join(missing)}: a TLS folder needs ca.pem, cert.pem and key.pem "
            "(as made for `docker --tlsverify`)."
        )
    dest = tls_dir(target_name)
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o700)
    for f in TLS_FILES:
        shutil.copyfile(source / f, dest / f)
        os.chmod(dest / f, 0o600)
    return dest


def tls_options(target_name: str) -> TlsOptions:
    candidates = [tls_dir(target_name)]
    if os.environ.get("DOCKER_CERT_PATH"):
        candidates.append(Path(os.environ["DOCKER_CERT_PATH"]).expanduser())
    for d in candidates:
        if all((d / f).is_file() for f in TLS_FILES):
            return TlsOptions(d / "ca.pem", d / "cert.pem", d / "key.pem")
    raise InputError(
        f"Target {target_name} uses tcp:// but has no TLS certificates: run `pixel targets add "
        f"{target_name} --docker-host tcp://HOST:2376 --tls-dir DIR` with ca.pem, cert.pem and "
        "key.pem in DIR (plain unencrypted tcp:// is refused: it gives root on the host to anyone "
        "on the network)."
    )


# --------------------------------------------------------------------------- connecting
def connect(docker_host: str, target_name: str | None = None, timeout: int = 120) -> DeployDocker:
    """A client for a target's daemon with the right SSH/TLS policy."""
    url = parse_docker_host(docker_host)
    if url.scheme == "ssh":
        return DeployDocker(url.raw, ssh=ssh_options(url, target_name), timeout=timeout)
    if url.scheme == "tcp":
        return DeployDocker(url.raw, tls=tls_options(target_name or url.host), timeout=timeout)
    return DeployDocker(url.raw, timeout=timeout)


def public_host(docker_host: str, target_name: str | None = None) -> str:
    """Where published ports of this target are reached from this machine."""
    url = parse_docker_host(docker_host)
    if url.scheme == "ssh":
        return ssh_endpoint(url, ssh_options(url, target_name))[0]
    return url.host
