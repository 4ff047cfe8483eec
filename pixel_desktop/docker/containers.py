"""Containers on a daemon: start (checked or deployed), inspect, logs, stats, stop, remove."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, Literal

import docker.errors
import requests.exceptions
import urllib3.exceptions

from pixel_desktop.docker.errors import DAEMON_ERRORS
from pixel_desktop.docker.log_stream import LogStream
from pixel_desktop.docker.models import ContainerInfo, ContainerState, Workload
from pixel_desktop.docker.transport import Connection
from pixel_desktop.errors import DockerError, DockerNotFoundError

# How a container's port is published: on a free 127.0.0.1 port (a check container), on
# the same host port (a deployed container), or on a free host port (a deploy candidate
# checked beside the running version). ``same`` and ``any`` bind ``bind_address`` (every
# interface when None).
Publish = Literal["loopback", "same", "any"]


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


def _binding(port: int, publish: Publish, bind_address: str | None = None) -> Any:
    if publish == "loopback":
        return ("127.0.0.1",)  # Docker picks the host port: no race between finding and binding
    if bind_address:
        return (bind_address, port) if publish == "same" else (bind_address,)
    return port if publish == "same" else None


class StatsPoller:
    """CPU/memory readings as often as the caller asks (a build's test container, every 0.5 s).

    Why: a plain ``/stats`` read waits for the daemon's own 1-2 s interval, so a short test
    run got one point. One-shot reads answer at once; CPU % is measured between this read and
    the previous one (the first read has no interval yet: 0 %). A daemon older than API 1.41
    (no one-shot) falls back to the slow reads.
    """

    def __init__(self, api: Any, cid: str) -> None:
        self._api, self._cid = api, cid
        self._previous: dict[str, Any] | None = None
        self._one_shot = True

    def sample(self) -> tuple[float, int, int] | None:
        """(CPU %, memory used, memory limit); None once the container is gone."""
        try:
            if self._one_shot:
                try:
                    s = self._api.stats(self._cid, stream=False, one_shot=True)
                except docker.errors.InvalidVersion:
                    self._one_shot = False
                    s = self._api.stats(self._cid, stream=False)
            else:
                s = self._api.stats(self._cid, stream=False)
        except DAEMON_ERRORS:
            return None
        if self._one_shot:
            current = s.get("cpu_stats") or {}
            s = {**s, "precpu_stats": self._previous or current}
            self._previous = current
        return cpu_mem_from_stats(s)


class ContainersMixin(Connection):
    def start_new_container(
        self,
        image: str,
        *,
        port: int | None = None,
        publish: Publish = "loopback",
        env: Mapping[str, str] | None = None,
        command: list[str] | None = None,
        labels: Mapping[str, str] | None = None,
        name: str | None = None,
        restart: bool = False,
        bind_address: str | None = None,
    ) -> tuple[str, int | None]:
        """Create and start ``image`` detached; returns (container id, published host port).

        The container is removed again if starting or inspecting it fails (Ctrl+C included),
        so a failed start leaves nothing behind."""
        host_config = self.api.create_host_config(
            port_bindings={f"{port}/tcp": _binding(port, publish, bind_address)} if port else None,
            restart_policy={"Name": "unless-stopped" if restart else "no"},
        )
        created = self._call(
            "create a container",
            lambda: self.api.create_container(
                image,
                command=command,
                environment=dict(env or {}),
                ports=[port] if port else None,
                host_config=host_config,
                labels=dict(labels or {}),
                name=name,
                detach=True,
            ),
        )
        cid = str(created["Id"])
        try:
            self._call("start a container", lambda: self.api.start(cid))
            host_port = self.published_port(cid, port) if port else None
        except BaseException:
            self.remove_container(cid)
            raise
        return cid, host_port

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
        """A check container: ``container_port`` published on a free 127.0.0.1 port."""
        return self.start_new_container(
            image, port=container_port, env=environment, command=command, labels=labels, name=name
        )

    def create_and_start(self, workload: Workload, *, temporary: bool = False) -> str:
        """A deployed container publishing its port on the same host port, restarted unless
        stopped; ``temporary`` publishes it on a free host port (see ``published_port``) and
        never restarts it: a candidate checked beside the running version. The workload's
        ``bind_address`` is the host interface published on (every one when None)."""
        cid, _ = self.start_new_container(
            workload.image,
            port=workload.port,
            publish="any" if temporary else "same",
            env=workload.env,
            labels=workload.labels,
            name=workload.name,
            restart=not temporary,
            bind_address=workload.bind_address,
        )
        return cid

    def run_once(self, image: str, command: list[str], *, timeout_s: int = 60) -> str:
        """Run a short command in ``image`` and return its stdout; the container is removed."""
        cid, _ = self.run_container(image, command=command)
        try:
            try:
                result = self.api.wait(cid, timeout=timeout_s)
            except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError) as exc:
                raise DockerError(
                    f"`{' '.join(command)}` in {image} did not finish in {timeout_s} s."
                ) from exc
            out = self.api.logs(cid, stdout=True, stderr=False).decode("utf-8", "replace")
            if result.get("StatusCode") != 0:
                err = self.api.logs(cid, stdout=False, stderr=True).decode("utf-8", "replace")
                raise DockerError(
                    f"Running {command[0]} in {image} failed (exit {result.get('StatusCode')}): "
                    f"{err.strip()[-500:]}"
                )
            return out
        finally:
            self.remove_container(cid)

    def published_port(self, cid: str, port: int) -> int | None:
        """The host port the daemon published container ``port`` on (None if none)."""
        info = self._call("inspect a container", lambda: self.api.inspect_container(cid))
        bindings = ((info.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{port}/tcp")
        for binding in bindings or []:
            with contextlib.suppress(TypeError, ValueError):
                return int(binding.get("HostPort"))
        return None

    def list_containers(self, labels: Mapping[str, str] | None = None) -> list[ContainerInfo]:
        """Every container (running or not), those carrying all ``labels`` when given."""
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]} if labels else None
        rows = self._call("list containers", lambda: self.api.containers(all=True, filters=filters))
        return [
            ContainerInfo(
                id=str(r["Id"]),
                name=(r.get("Names") or ["?"])[0].lstrip("/"),
                state=str(r.get("State") or ""),
                image=str(r.get("Image") or ""),
                labels=dict(r.get("Labels") or {}),
                command=str(r.get("Command") or ""),
            )
            for r in rows
        ]

    def container_state(self, cid: str) -> ContainerState:
        try:
            data = self._call("inspect a container", lambda: self.api.inspect_container(cid))
        except DockerNotFoundError:
            return ContainerState("missing", -1, None, "the container was removed")
        st = data.get("State") or {}
        health = (st.get("Health") or {}).get("Status")
        return ContainerState(
            status=str(st.get("Status") or "?"),
            exit_code=int(st.get("ExitCode") or 0),
            health=str(health) if health else None,
            error=str(st.get("Error") or ""),
        )

    def container_running(self, cid: str) -> bool:
        """Best effort: False when the container or the daemon is gone."""
        try:
            return self.container_state(cid).running
        except DockerError:
            return False

    def container_logs(self, cid: str, tail: int = 200) -> str:
        """Best effort: the last ``tail`` lines, or "" when they cannot be read."""
        try:
            raw = self._call("read logs", lambda: self.api.logs(cid, tail=tail))
        except DockerError:
            return ""
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

    def follow_container_logs(
        self, cid: str, *, tail: int | None = 200, follow: bool = True
    ) -> LogStream:
        """The container's stdout and stderr as lines: the last ``tail`` (all when None),
        then, with ``follow``, new ones as they come until the stream is closed or the
        container stops."""
        stream = self._call(
            "read logs",
            lambda: self.api.logs(
                cid, stream=True, follow=follow, tail="all" if tail is None else tail
            ),
        )
        return LogStream(stream, getattr(stream, "close", None), host=self.host)

    def stats_poller(self, cid: str) -> StatsPoller:
        """Fast repeated CPU/memory readings of one container (see StatsPoller)."""
        return StatsPoller(self.api, cid)

    def stats_once(self, cid: str) -> tuple[float, int, int] | None:
        """One CPU% / memory used / memory limit sample (None once the container is gone)."""
        try:
            s = self.api.stats(cid, stream=False)
        except DAEMON_ERRORS:
            return None
        return cpu_mem_from_stats(s)

    def start_container(self, cid: str) -> None:
        self._call("start a container", lambda: self.api.start(cid))

    def stop_container(self, cid: str, timeout_s: int = 10) -> None:
        with contextlib.suppress(DockerNotFoundError):
            self._call("stop a container", lambda: self.api.stop(cid, timeout=timeout_s))

    def rename_container(self, cid: str, name: str) -> None:
        self._call("rename a container", lambda: self.api.rename(cid, name))

    def remove_container(self, cid: str) -> None:
        """Force-remove with its anonymous volumes; a container already gone (or going) is fine."""
        try:
            self._call(
                "remove a container", lambda: self.api.remove_container(cid, force=True, v=True)
            )
        except DockerNotFoundError:
            pass
        except DockerError as exc:
            if "already in progress" not in str(exc):
                raise
