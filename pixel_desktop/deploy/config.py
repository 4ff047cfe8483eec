"""What a deployment runs with: runtime env (secrets from the keyring) and its redacted snapshot.

Why separate: the snapshot goes to the database and the env goes only to the daemon; keeping
both built from one function makes it hard to leak a secret value into the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pixel_desktop.errors import DeployError
from pixel_desktop.secrets import SecretsOwner, owner_service
from pixel_desktop.spec.model import ProjectSpec

REDACTED = "***"


class SecretSource(Protocol):
    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    env: dict[str, str]  # plain + secret values: for the daemon only
    snapshot: dict[str, Any]  # names only for secrets: for the record


def container_name(slug: str, deployment_id: int) -> str:
    return f"pixel-{slug}-d{deployment_id}"


def service_name(slug: str) -> str:
    return f"pixel-{slug}"


def labels(slug: str, deployment_id: int) -> dict[str, str]:
    return {"pixel.project": slug, "pixel.deployment": str(deployment_id), "pixel.role": "deploy"}


def runtime_config(
    project: SecretsOwner,
    spec: ProjectSpec,
    secrets: SecretSource,
    *,
    extra: dict[str, Any] | None = None,
) -> RuntimeConfig:
    """PORT, plain env vars from the spec, secret values read from the keyring now (never
    stored). PORT is the deployment's port, the one published: the image's own default is
    the port at build time, which a later spec edit may have changed (and the spec may not
    set PORT itself)."""
    dep = spec.deployment
    env = {"PORT": str(dep.port), **{str(k): str(v) for k, v in dep.env_vars.items()}}
    missing = []
    for name in dep.secret_env:
        value = secrets.get_project_secret(project, name)
        if not value:
            missing.append(name)
        else:
            env[name] = value
    if missing:
        raise DeployError(
            f"Secret env value(s) {', '.join(missing)} of {project.slug} are not in the OS "
            f"keyring. Store them (keyring service {owner_service(project)}, key = the "
            "variable name, e.g. in the app's project settings) and deploy again."
        )
    snapshot: dict[str, Any] = {
        "port": dep.port,
        "env_vars": dict(sorted((str(k), str(v)) for k, v in dep.env_vars.items())),
        "secret_env": {name: REDACTED for name in dep.secret_env},
        "health_path": dep.endpoints.health,
        "restart_policy": "unless-stopped",
    }
    snapshot.update(extra or {})
    return RuntimeConfig(env=env, snapshot=snapshot)


def health_path(spec: ProjectSpec) -> str:
    return spec.deployment.endpoints.health


def chat_path(spec: ProjectSpec) -> str:
    return spec.deployment.endpoints.chat
