"""What a deployment runs with: runtime env (secrets from the keyring) and its redacted snapshot.

Why separate: the snapshot goes to the database and the env goes only to the daemon; keeping
both built from one function makes it hard to leak a secret value into the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pixel_desktop.errors import DeployError
from pixel_desktop.secrets import SecretsOwner, owner_service
from pixel_desktop.spec.model import ProjectSpec
from pixel_desktop.spec.runtime import used_secret_env

REDACTED = "***"


class SecretSource(Protocol):
    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    env: dict[str, str]  # plain + secret values: for the daemon only
    snapshot: dict[str, Any]  # names only for secrets: for the record
    # Secrets the spec declares but the generated service never reads, left unset: the
    # deploy goes ahead and says so (one sentence each), rather than refusing.
    warnings: tuple[str, ...] = field(default=())


# Where a user stores a project's secret value, in each front end: every refusal names both.
GUI_SECRET_CONTROL = "Editor › Deployment › Set value in keyring…"


def cli_secret_command(slug: str, name: str) -> str:
    return f"pixel projects secret set {slug} {name}"


def missing_secrets_message(project: SecretsOwner, spec: ProjectSpec, names: list[str]) -> str:
    """One refusal for secrets the service needs: what is missing, why it is needed, and the
    exact control (GUI) or command (CLI) that stores it."""
    listed = ", ".join(names)
    plural = len(names) > 1
    commands = " and ".join(f"`{cli_secret_command(project.slug, n)}`" for n in names)
    return (
        f"Secret {listed} of {project.slug} {'are' if plural else 'is'} not set, and the service "
        f"reads {'them' if plural else 'it'} (llm.provider is {spec.llm.provider}). Set "
        f"{'them' if plural else 'it'} in {GUI_SECRET_CONTROL}, or with {commands} "
        f"(stored in the OS keyring, service {owner_service(project)}), then deploy again."
    )


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
    used = used_secret_env(spec)
    missing: list[str] = []
    unused_unset: list[str] = []
    for name in dep.secret_env:
        value = secrets.get_project_secret(project, name)
        if value:
            env[name] = value
        elif name in used:
            missing.append(name)
        else:
            unused_unset.append(name)
    if missing:
        raise DeployError(missing_secrets_message(project, spec, missing))
    warnings = tuple(
        f"Secret {name} is not set; deploying without it, since the service does not read it "
        f"(llm.provider is {spec.llm.provider}). Set it in {GUI_SECRET_CONTROL} or with "
        f"`{cli_secret_command(project.slug, name)}` if your image needs it."
        for name in unused_unset
    )
    snapshot: dict[str, Any] = {
        "port": dep.port,
        "env_vars": dict(sorted((str(k), str(v)) for k, v in dep.env_vars.items())),
        "secret_env": {name: REDACTED for name in dep.secret_env},
        "health_path": dep.endpoints.health,
        "restart_policy": "unless-stopped",
    }
    if unused_unset:
        snapshot["secret_env_unset"] = unused_unset  # names only, as the secrets above
    snapshot.update(extra or {})
    return RuntimeConfig(env=env, snapshot=snapshot, warnings=warnings)


def health_path(spec: ProjectSpec) -> str:
    return spec.deployment.endpoints.health


def chat_path(spec: ProjectSpec) -> str:
    return spec.deployment.endpoints.chat
