"""The daemon itself: version, info, disk usage, Swarm state, who publishes a port, free disk."""

from __future__ import annotations

import shlex
import shutil
from typing import Any

import paramiko

from pixel_desktop.docker.models import DaemonInfo
from pixel_desktop.docker.transport import PING_TIMEOUT_S, Connection


class SystemMixin(Connection):
    def ping(self) -> DaemonInfo:
        """The daemon's version, asked with a short timeout (a dead host answers fast)."""
        api = self.api
        v = self._call(
            "report its version",
            lambda: api._result(api._get(api._url("/version"), timeout=PING_TIMEOUT_S), json=True),
        )
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
