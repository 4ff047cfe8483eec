"""Deploy targets: one validation for name, Docker host URL, kind and TLS material.

Why here: the Settings dialog used to store targets the CLI refused (no URL check, a kind
``ssh`` nothing else knows). :data:`KINDS` is what both front ends offer, and
:meth:`Targets.add` is the one way a target is created.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixel_desktop.app.context import AppContext
from pixel_desktop.errors import InputError
from pixel_desktop.store.records import TargetRecord

if TYPE_CHECKING:
    from pixel_desktop.deploy.check import TargetCheck
    from pixel_desktop.deploy.hosts import PresentedKey

    TargetChecker = Callable[..., TargetCheck]
else:
    TargetChecker = Callable[..., Any]


def kinds() -> tuple[str, ...]:
    """The target kinds the deploy layer accepts: "docker" (a single host, also reached over
    ssh:// or tcp://) and "swarm". Read from deploy.hosts on use, so importing the app layer
    does not load SSH and Docker client code."""
    from pixel_desktop.deploy.hosts import KINDS as host_kinds

    return tuple(host_kinds)


def __getattr__(name: str) -> tuple[str, ...]:
    if name == "KINDS":  # ``from pixel_desktop.app.targets import KINDS``
        return kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Targets:
    """``check`` is the deploy layer's target check (``Deploys.check_target``): a target is
    checked by the same code that later deploys to it."""

    def __init__(self, ctx: AppContext, check: TargetChecker) -> None:
        self._ctx = ctx
        self._check = check

    @property
    def KINDS(self) -> tuple[str, ...]:
        return kinds()

    def add(
        self,
        name: str,
        docker_host: str,
        kind: str = "docker",
        *,
        tls_dir: Path | None = None,
        publish_address: str | None = None,
    ) -> TargetRecord:
        """Check everything first (name, URL, kind, TLS files, publish address), then copy
        the TLS files and write the row, so a refused target leaves nothing behind.
        ``publish_address``: the host interface deployments publish on (None: loopback for
        a local socket, every interface for a remote host)."""
        from pixel_desktop.deploy import hosts

        name, url, kind = hosts.validate_target((name or "").strip(), docker_host, kind)
        publish_address = hosts.validate_publish_address(publish_address, url.raw)
        if kind == "swarm" and publish_address not in (None, "0.0.0.0", "::"):
            raise InputError(
                "A swarm target publishes on every interface of every node (Swarm's ingress "
                "network), so --publish-address does not apply; leave it out."
            )
        if tls_dir is not None and url.scheme != "tcp":
            raise InputError("--tls-dir only applies to tcp:// hosts.")
        if url.scheme == "tcp" and tls_dir is None:
            hosts.tls_options(name)  # explains what is missing unless DOCKER_CERT_PATH has them
        if tls_dir is not None:
            hosts.install_tls(name, tls_dir)
        return self._ctx.store.targets.add(name, url.raw, kind, publish_address=publish_address)

    def list(self) -> builtins.list[TargetRecord]:
        return self._ctx.store.targets.list()

    def get(self, name: str) -> TargetRecord:
        return self._ctx.store.targets.get(name)

    def remove(self, name: str) -> None:
        """Remove the target; its deployment history stays."""
        self._ctx.store.targets.remove(name)

    def check(self, name: str, *, port: int | None = None, slug: str | None = None) -> TargetCheck:
        """Reachable? Docker version, swarm state, the port free (``slug``'s by default), disk."""
        return self._check(name, port=port, slug=slug)

    def is_ssh(self, record: TargetRecord) -> bool:
        return record.docker_host.startswith("ssh://")

    # ---------------------------------------------------------------- ssh host keys
    def host_key(self, name: str) -> PresentedKey:
        """The key an ``ssh://`` target presents now and whether it is trusted already."""
        from pixel_desktop.deploy import hosts

        target = self.get(name)
        return hosts.presented_key(hosts.parse_docker_host(target.docker_host), target.name)

    def refuse_revoked(self, key: PresentedKey) -> None:
        if key.revoked:
            raise InputError(
                f"This key is marked @revoked in known_hosts; it cannot be trusted. Ask the "
                f"administrator of {key.host} for its current key."
            )

    def changed_key_warning(self, key: PresentedKey) -> str | None:
        from pixel_desktop.deploy import hosts

        return hosts.changed_key_warning(key)

    def trust(self, key: PresentedKey) -> Path:
        """Add the key to Pixel's own known_hosts; returns that file."""
        from pixel_desktop.deploy import hosts

        self.refuse_revoked(key)
        return hosts.trust(key)
