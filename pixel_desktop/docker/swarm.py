"""Swarm services: create or update with Swarm's own rollback, status, task errors, remove."""

from __future__ import annotations

import contextlib
from typing import Any

import docker.types
from docker import auth as docker_auth

from pixel_desktop.docker.images import split_ref
from pixel_desktop.docker.log_stream import LogStream
from pixel_desktop.docker.models import ServiceStatus, Workload
from pixel_desktop.docker.transport import Connection
from pixel_desktop.errors import DockerNotFoundError

_SEC = 1_000_000_000  # Swarm durations are in nanoseconds


class SwarmMixin(Connection):
    def service(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self._call("inspect a service", lambda: self.api.inspect_service(name)))
        except DockerNotFoundError:
            return None

    def _existing_service(self, name: str) -> dict[str, Any]:
        svc = self.service(name)
        if svc is None:
            raise DockerNotFoundError(f"Service {name} does not exist on {self.host}.")
        return svc

    def service_status(self, name: str) -> ServiceStatus:
        svc = self._existing_service(name)
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
        workload: Workload,
        *,
        replicas: int,
        health_cmd: list[str],
        auth: dict[str, str] | None = None,
    ) -> tuple[str, bool]:
        """Create or update the service; returns (service id, created). Rollback is Swarm's job."""
        name, image, port = workload.name, workload.image, workload.port
        env, labels = workload.env, workload.labels
        container = docker.types.ContainerSpec(
            image=image,
            env=[f"{k}={v}" for k, v in env.items()],
            labels=labels,
            healthcheck=docker.types.Healthcheck(
                test=health_cmd,
                interval=2 * _SEC,
                timeout=3 * _SEC,
                retries=3,
                start_period=2 * _SEC,
            ),
        )
        task = docker.types.TaskTemplate(
            container_spec=container,
            restart_policy=docker.types.RestartPolicy(condition="any", delay=2 * _SEC),
            force_update=0,
        )
        settings: dict[str, Any] = {
            "name": name,
            "labels": labels,
            "mode": docker.types.ServiceMode("replicated", replicas=replicas),
            "update_config": docker.types.UpdateConfig(
                parallelism=1,
                delay=1 * _SEC,
                failure_action="rollback",
                monitor=15 * _SEC,
                max_failure_ratio=0,
                order="start-first",
            ),
            "rollback_config": docker.types.RollbackConfig(
                parallelism=1,
                delay=0,
                failure_action="pause",
                monitor=10 * _SEC,
                order="start-first",
            ),
            "endpoint_spec": docker.types.EndpointSpec(ports={port: port}),
        }
        current = self.service(name)
        # docker-py sends X-Registry-Auth for services from its auth configs only: point them
        # at the keyring credentials for this call, then back to nothing.
        if auth:
            server = auth.get("serveraddress") or split_ref(image)[0].split("/")[0]
            self.api._auth_configs = docker_auth.AuthConfig({"auths": {server: dict(auth)}})
        try:
            if current is None:
                created = self._call(
                    "create the service", lambda: self.api.create_service(task, **settings)
                )
                return str(created["ID"]), True
            version = int(current["Version"]["Index"])
            self._call(
                "update the service",
                lambda: self.api.update_service(
                    current["ID"], version, task_template=task, **settings
                ),
            )
            return str(current["ID"]), False
        finally:
            self.api._auth_configs = docker_auth.AuthConfig({})

    def rollback_service(self, name: str) -> None:
        """Ask Swarm to roll the service back to its previous spec.

        Made as ``docker service rollback`` makes it (the current spec posted with
        ``rollback=previous``): docker-py's ``update_service`` has no rollback parameter."""
        svc = self._existing_service(name)

        def run() -> None:
            url = self.api._url("/services/{0}/update", svc["ID"])
            params = {"version": int(svc["Version"]["Index"]), "rollback": "previous"}
            self.api._raise_for_status(self.api._post_json(url, data=svc["Spec"], params=params))

        self._call("roll back the service", run)

    def scale_service(self, name: str, replicas: int) -> None:
        """Set the service's replica count (0 stops every task, keeping the service)."""
        svc = self._existing_service(name)
        spec = svc.get("Spec") or {}

        def run() -> None:
            url = self.api._url("/services/{0}/update", svc["ID"])
            body = {**spec, "Mode": {"Replicated": {"Replicas": int(replicas)}}}
            params = {"version": int(svc["Version"]["Index"])}
            self.api._raise_for_status(self.api._post_json(url, data=body, params=params))

        self._call("scale the service", run)

    def follow_service_logs(
        self, name: str, *, tail: int | None = 200, follow: bool = True
    ) -> LogStream:
        """Every task's stdout and stderr of the service as lines (see ``follow_container_logs``)."""
        stream = self._call(
            "read service logs",
            lambda: self.api.service_logs(
                name,
                stdout=True,
                stderr=True,
                follow=follow,
                tail="all" if tail is None else tail,
            ),
        )
        return LogStream(stream, getattr(stream, "close", None), host=self.host)

    def remove_service(self, name: str) -> None:
        with contextlib.suppress(DockerNotFoundError):
            self._call("remove a service", lambda: self.api.remove_service(name))
