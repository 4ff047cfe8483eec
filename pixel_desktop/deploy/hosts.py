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
from pixel_desktop.docker.deploy_client import (
    DeployDocker,
    SshOptions,
    TlsOptions,
    fingerprint,
    known_hosts_name,
    load_known_hosts,
    scan_host_key,
)
from pixel_desktop.docker.gateway import context_host, context_tls_dir
from pixel_desktop.errors import InputError

KINDS = ("docker", "swarm")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
# A DNS name or IPv4 address (labels of letters, digits, '-', '_' not starting with '-'), or
# an IPv6 address (urlparse strips the brackets). Nothing else reaches ssh/paramiko.
_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?)(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$"
)
_IPV6_RE = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")
_USER_RE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$")


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
    """Accept ``unix:///path``, ``ssh://[user@]host[:port]``, ``tcp://host:port``; else InputError.

    The one validator of Docker host URLs: the CLI, the GUI and ``connect`` all go through it.
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


def validate_target(name: str, docker_host: str, kind: str) -> tuple[str, HostUrl, str]:
    """Name, parsed host and kind of a new target: what the CLI and the GUI both call."""
    return validate_target_name(name), parse_docker_host(docker_host), validate_kind(kind)


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


# --------------------------------------------------------------------------- connecting
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


def connect(docker_host: str, target_name: str | None = None, timeout: int = 120) -> DeployDocker:
    """A client for a target's daemon with the right SSH/TLS policy."""
    t = transport(docker_host, target_name)
    return DeployDocker(t.url.raw, ssh=t.ssh, tls=t.tls, timeout=timeout)


def public_host(docker_host: str, target_name: str | None = None) -> str:
    """Where published ports of this target are reached from this machine."""
    url = parse_docker_host(docker_host)
    if url.scheme == "ssh":
        return ssh_endpoint(url, ssh_options(url, target_name))[0]
    return url.host
