"""Deploy targets: what a target's name and kind may be, its TLS folder, and connecting to it.

Why only this here: how a Docker host is reached (URL rules, ssh host keys, TLS, contexts)
is the one host policy of ``pixel_desktop.docker.hosts``, shared with builds; a target adds a
name, a kind (plain Docker or Swarm) and a private TLS folder. The policy's functions are
re-exported so deploy callers have one import.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.hosts import (
    TLS_FILES,
    HostUrl,
    Transport,
    parse_docker_host,
    pixel_known_hosts,
    public_host,
    ssh_options,
    tls_dir,
    tls_options,
    transport,
)
from pixel_desktop.docker.ssh import PresentedKey, changed_key_warning, presented_key, trust
from pixel_desktop.errors import InputError

__all__ = [
    "KINDS",
    "HostUrl",
    "PresentedKey",
    "Transport",
    "bind_address",
    "changed_key_warning",
    "connect",
    "install_tls",
    "parse_docker_host",
    "pixel_known_hosts",
    "presented_key",
    "public_host",
    "publish_binding",
    "ssh_options",
    "tls_dir",
    "tls_options",
    "transport",
    "trust",
    "validate_kind",
    "validate_publish_address",
    "validate_target",
    "validate_target_name",
]

KINDS = ("docker", "swarm")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


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


def validate_target(name: str, docker_host: str, kind: str) -> tuple[str, HostUrl, str]:
    """Name, parsed host and kind of a new target: what the CLI and the GUI both call."""
    return validate_target_name(name), parse_docker_host(docker_host), validate_kind(kind)


LOOPBACK = "127.0.0.1"
_WILDCARDS = ("0.0.0.0", "::")


class PublishTarget(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def docker_host(self) -> str: ...
    @property
    def publish_address(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PublishBinding:
    """Where a target's deployments publish (``bind``: None = every interface) and the
    host of the URL the app shows and health-checks, which must reach that bind."""

    bind: str | None
    url_host: str


def publish_binding(target: PublishTarget) -> PublishBinding:
    """The target's own ``publish_address`` when set, else the default (``bind_address``).
    The URL shows a specific bound address itself; a wildcard or the default bind is
    reached at the target's host (127.0.0.1 for a local socket)."""
    chosen = target.publish_address
    bind = chosen if chosen else bind_address(target.docker_host)
    if bind in _WILDCARDS:
        bind = None
    host = public_host(target.docker_host, target.name)
    url_host = host if bind is None or bind == LOOPBACK else bind
    if ":" in url_host and not url_host.startswith("["):
        url_host = f"[{url_host}]"  # an IPv6 literal in a URL
    return PublishBinding(bind, url_host)


def validate_publish_address(address: str | None, docker_host: str) -> str | None:
    """An IP address to publish on, or None for the default. A remote target cannot bind
    loopback: the app checks the deployment's health from this machine."""
    text = (address or "").strip()
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise InputError(
            f"Invalid publish address {text!r}: use an IP address of the target, e.g. "
            "127.0.0.1 (this machine only) or 0.0.0.0 (every interface)."
        ) from None
    if ip.is_loopback and parse_docker_host(docker_host).scheme not in ("unix", "npipe"):
        raise InputError(
            f"A remote target cannot publish on {text}: the deployment would answer only on "
            "that host itself, and Pixel checks its health from this machine. Use 0.0.0.0 "
            "or the host's private address."
        )
    return str(ip)


def bind_address(docker_host: str) -> str | None:
    """The host interface a deployed container publishes its port on.

    A daemon on this machine (unix:// or npipe:// socket) publishes on loopback only: the
    app shows http://127.0.0.1:PORT, and a demo on a laptop must not be reachable from the
    café's network. A remote daemon (ssh://, tcp://) publishes on every interface, because
    the app shows (and the client uses) the host's own name, which must answer."""
    return LOOPBACK if parse_docker_host(docker_host).scheme in ("unix", "npipe") else None


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


def connect(docker_host: str, target_name: str | None = None, timeout: int = 120) -> DockerClient:
    """A client for a target's daemon with the host policy's SSH/TLS for that target."""
    return DockerClient(docker_host, target_name=target_name, timeout=timeout)
