"""The one host policy: which Docker host, how it may be reached, with which trust files.

Why one: builds send registry credentials (X-Registry-Auth) and secret env values to the
daemon just as deploys do, so a URL refused for a deploy (plain tcp://, an option-like host)
is refused for a build too. The transport (``transport.py``) only receives what ``transport``
here decides.

Files and variables:
- the docker CLI's current context (``DOCKER_CONTEXT`` or config.json ``currentContext``,
  under ``DOCKER_CONFIG`` or ``~/.docker``) when no host is given and ``DOCKER_HOST`` is unset.
- known_hosts: ``~/.ssh/known_hosts``, the ssh config's ``UserKnownHostsFile``,
  ``$PIXEL_HOME/ssh/known_hosts`` (what ``pixel targets trust`` writes) and
  ``PIXEL_SSH_KNOWN_HOSTS`` (a path, os.pathsep-separated list allowed).
- ssh config: ``PIXEL_SSH_CONFIG`` or ``~/.ssh/config`` (HostName, Port, User, IdentityFile).
- TLS for ``tcp://``: ``$PIXEL_HOME/tls/<target name>/{ca,cert,key}.pem`` (copied there by
  ``pixel targets add --tls-dir``), the docker context's TLS folder, else ``DOCKER_CERT_PATH``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko

from pixel_desktop import paths
from pixel_desktop.errors import InputError

TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
# A DNS name or IPv4 address (labels of letters, digits, '-', '_' not starting with '-'), or
# an IPv6 address (urlparse strips the brackets). Nothing else reaches ssh/paramiko.
_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?)(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$"
)
_IPV6_RE = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")
_USER_RE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$")


@dataclass(frozen=True, slots=True)
class SshOptions:
    """How to reach an ``ssh://`` host; computed by ``ssh_options`` from ssh config + env."""

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
class HostUrl:
    scheme: str  # unix | ssh | tcp | npipe
    host: str  # network host clients reach published ports on ("127.0.0.1" for sockets)
    port: int | None
    user: str | None
    raw: str


# --------------------------------------------------------------------------- which host
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


# --------------------------------------------------------------------------- URLs
def parse_docker_host(url: str) -> HostUrl:
    """Accept ``unix:///path``, ``ssh://[user@]host[:port]``, ``tcp://host:port``; else InputError.

    The one validator of Docker host URLs: the CLI, the GUI and every client go through it.
    Why strict: the host and user end up in an SSH connection (and in the docker CLI if a
    user copies them), where ``ssh://-oProxyCommand=...`` would be read as an option that runs
    a command. Host, user and port are checked against allowed characters, none may start
    with '-', and no whitespace or control character is accepted anywhere."""
    text = (url or "").strip()
    example = "e.g. ssh://deploy@server.example:22, tcp://server.example:2376 or unix:///var/run/docker.sock"
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise InputError(
            f"Invalid Docker host {url!r}: no spaces or control characters allowed ({example})."
        )
    parsed = urllib.parse.urlparse(text)
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
        _check_host_part(url, parsed, port, example)
        return HostUrl(parsed.scheme, parsed.hostname, port, parsed.username, text)
    raise InputError(f"Unsupported Docker host {url!r}: {example}.")


def _check_host_part(
    url: str, parsed: urllib.parse.ParseResult, port: int | None, example: str
) -> None:
    host = parsed.hostname or ""
    bracketed = "[" in parsed.netloc
    ok_host = (
        _IPV6_RE.match(host) and ":" in host if bracketed else _HOST_RE.match(host)
    ) and not host.startswith(("-", "."))
    if not ok_host:
        raise InputError(
            f"Invalid Docker host {url!r}: {host!r} is not a host name or IP address (letters, "
            f"digits, '.', '-' and '_', not starting with '-') ({example})."
        )
    user = parsed.username
    if user is not None and not _USER_RE.match(user):
        raise InputError(
            f"Invalid Docker host {url!r}: user {user!r} may only use letters, digits, '.', "
            "'_' and '-', not starting with '-', up to 32 characters."
        )
    if port is not None and not 1 <= port <= 65535:
        raise InputError(f"Invalid Docker host {url!r}: bad port ({example}).")


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


# --------------------------------------------------------------------------- TLS
def tls_dir(target_name: str) -> Path:
    return paths.home() / "tls" / target_name


def tls_options(target_name: str, docker_host: str | None = None) -> TlsOptions:
    """Certificates for a tcp:// daemon: the target's own folder, else the docker CLI
    context's when ``docker_host`` is that context's host, else ``DOCKER_CERT_PATH``."""
    candidates = [tls_dir(target_name)]
    if docker_host is not None and docker_host == context_host():
        ctx_dir = context_tls_dir()
        if ctx_dir is not None:
            candidates.append(ctx_dir)
    if os.environ.get("DOCKER_CERT_PATH"):
        candidates.append(Path(os.environ["DOCKER_CERT_PATH"]).expanduser())
    for d in candidates:
        if all((d / f).is_file() for f in TLS_FILES):
            return TlsOptions(d / "ca.pem", d / "cert.pem", d / "key.pem")
    raise InputError(
        f"{docker_host or target_name} is a plain tcp:// Docker host without TLS certificates; "
        "refused: unencrypted tcp:// gives root on the host to anyone on the network and would "
        "carry registry credentials and secret values in cleartext. For a deploy target run "
        f"`pixel targets add {target_name} --docker-host tcp://HOST:2376 --tls-dir DIR` with "
        "ca.pem, cert.pem and key.pem in DIR; for builds use a docker context created with "
        "TLS (`docker context create NAME --docker host=tcp://HOST:2376,ca=...,cert=...,key=...`) "
        "or set DOCKER_CERT_PATH to that folder."
    )


# --------------------------------------------------------------------------- transport
@dataclass(frozen=True, slots=True)
class Transport:
    """How to reach a Docker host: the parsed URL plus SSH or TLS options."""

    url: HostUrl
    ssh: SshOptions | None = None
    tls: TlsOptions | None = None


def transport(docker_host: str, target_name: str | None = None) -> Transport:
    """The one host policy, for builds and deploys alike.

    Why one: builds send registry credentials (X-Registry-Auth) and secret env values to the
    daemon just as deploys do, so a URL the deploy layer refuses (plain tcp://, an option-like
    host) must not be accepted for a build either. ssh:// gets strictly checked host keys
    (every known_hosts file, ssh config), tcp:// needs TLS client certificates (the target's,
    the docker context's or DOCKER_CERT_PATH), unix:// and npipe:// are local."""
    url = parse_docker_host(docker_host)
    if url.scheme == "ssh":
        return Transport(url, ssh=ssh_options(url, target_name))
    if url.scheme == "tcp":
        return Transport(url, tls=tls_options(target_name or url.host, url.raw))
    return Transport(url)


def public_host(docker_host: str, target_name: str | None = None) -> str:
    """Where published ports of this target are reached from this machine."""
    url = parse_docker_host(docker_host)
    if url.scheme == "ssh":
        return ssh_endpoint(url, ssh_options(url, target_name))[0]
    return url.host
