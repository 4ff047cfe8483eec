"""Offline handover bundle: everything a client needs to run the assistant without us.

``<slug>/`` inside the .tar.gz holds docker-compose.yml (assistant behind nginx), nginx.conf,
k8s.yaml, .env.example (names only — secret values are never written), README.md and
images.tar (``docker save`` of the assistant image and, when present locally, the nginx
image). Members are written in a fixed order with fixed metadata, so the same build gives
the same text files; the compose file names the exact tag that images.tar carries, so
``docker load -i images.tar && docker-compose up -d`` works on a machine with no network.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pixel_desktop.engine.docker_deploy import DeployDocker
from pixel_desktop.errors import DeployError, InputError
from pixel_desktop.spec.model import ProjectSpec

DEFAULT_NGINX_IMAGE = "nginx:1.27-alpine"
FIXED_MTIME = 0  # epoch; overwritten by the build's completion time when known


@dataclass(frozen=True, slots=True)
class BundleResult:
    path: Path
    members: list[str]
    image_ref: str
    nginx_image: str
    nginx_included: bool
    size_bytes: int


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML): user text stays data."""
    return json.dumps(value, ensure_ascii=False)


def compose_file(
    slug: str, spec: ProjectSpec, image_ref: str, nginx_image: str, http_port: int = 8080
) -> str:
    dep = spec.deployment
    # PORT is the spec's port (env_vars may not set it), whatever the image's build-time default.
    # "$" doubled: compose would otherwise interpolate ${...} inside user-given values.
    env_lines = [f'      PORT: "{dep.port}"'] + [
        f"      {k}: {_yaml_str(v.replace('$', '$$'))}" for k, v in sorted(dep.env_vars.items())
    ]
    env_lines += [f'      {name}: "${{{name}:-}}"' for name in dep.secret_env]
    env_block = ("    environment:\n" + "\n".join(env_lines) + "\n") if env_lines else ""
    health = (
        f"import sys,urllib.request;sys.exit(0 if urllib.request.urlopen("
        f"'http://127.0.0.1:{dep.port}{dep.endpoints.health}',timeout=3).status==200 else 1)"
    )
    return (
        f"# {slug}: the assistant behind nginx. Offline: docker load -i images.tar && docker-compose up -d\n"
        'version: "3.7"\n'
        "services:\n"
        "  assistant:\n"
        f"    image: {_yaml_str(image_ref)}\n"
        "    restart: unless-stopped\n"
        f"{env_block}"
        "    expose:\n"
        f'      - "{dep.port}"\n'
        "    healthcheck:\n"
        f'      test: ["CMD", "python3", "-c", {_yaml_str(health)}]\n'
        "      interval: 10s\n"
        "      timeout: 5s\n"
        "      retries: 3\n"
        "  nginx:\n"
        f"    image: {_yaml_str(nginx_image)}\n"
        "    restart: unless-stopped\n"
        "    depends_on:\n"
        "      - assistant\n"
        "    ports:\n"
        f'      - "${{HTTP_PORT:-{http_port}}}:80"\n'
        "    volumes:\n"
        '      - "./nginx.conf:/etc/nginx/conf.d/default.conf:ro"\n'
    )


def nginx_conf(spec: ProjectSpec) -> str:
    port = spec.deployment.port
    return (
        "# Reverse proxy in front of the assistant (conf.d/default.conf of the nginx container).\n"
        "upstream assistant {\n"
        f"    server assistant:{port};\n"
        "}\n"
        "server {\n"
        "    listen 80;\n"
        "    server_name _;\n"
        "    client_max_body_size 1m;\n"
        "    location / {\n"
        "        proxy_pass http://assistant;\n"
        "        proxy_http_version 1.1;\n"
        "        proxy_set_header Host $host;\n"
        "        proxy_set_header X-Real-IP $remote_addr;\n"
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "        proxy_set_header X-Forwarded-Proto $scheme;\n"
        "        proxy_read_timeout 120s;\n"
        "    }\n"
        "}\n"
    )


def k8s_manifest(slug: str, spec: ProjectSpec, image_ref: str) -> str:
    dep = spec.deployment
    env = [{"name": "PORT", "value": str(dep.port)}]  # reserved in env_vars; the spec's port
    env += [{"name": k, "value": v} for k, v in sorted(dep.env_vars.items())]
    env += [
        {"name": n, "valueFrom": {"secretKeyRef": {"name": f"{slug}-secrets", "key": n}}}
        for n in dep.secret_env
    ]
    probe = {"httpGet": {"path": dep.endpoints.health, "port": dep.port}, "periodSeconds": 10}
    labels = {"app.kubernetes.io/name": slug}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": slug, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "assistant",
                            "image": image_ref,
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": dep.port}],
                            "env": env,
                            "readinessProbe": probe,
                            "livenessProbe": {**probe, "initialDelaySeconds": 10},
                        }
                    ]
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": slug, "labels": labels},
        "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": dep.port}]},
    }
    # JSON documents are valid YAML and need no YAML emitter quirks for user text.
    header = (
        f"# Kubernetes: kubectl apply -f k8s.yaml (create secret {slug}-secrets first if needed)\n"
    )
    return (
        header + json.dumps(deployment, indent=2) + "\n---\n" + json.dumps(service, indent=2) + "\n"
    )


def env_example(spec: ProjectSpec) -> str:
    dep = spec.deployment
    lines = ["# Copy to .env next to docker-compose.yml and fill in the secret values.", ""]
    if dep.secret_env:
        lines.append("# Secrets (values are not included in this bundle):")
        lines += [f"{name}=" for name in dep.secret_env]
        lines.append("")
    lines.append("# Host port nginx listens on:")
    lines.append("HTTP_PORT=8080")
    return "\n".join(lines) + "\n"


def readme(
    slug: str, spec: ProjectSpec, image_ref: str, nginx_image: str, nginx_included: bool
) -> str:
    dep = spec.deployment
    nginx_note = (
        "images.tar contains both the assistant and the nginx image."
        if nginx_included
        else f"images.tar contains the assistant image only: the machine also needs `{nginx_image}` "
        "(`docker pull` it once while online, or load it from your own archive)."
    )
    secrets = (
        "Secret settings: "
        + ", ".join(f"`{n}`" for n in dep.secret_env)
        + " — put their values in `.env`."
        if dep.secret_env
        else "This assistant needs no secret settings."
    )
    return (
        f"# {spec.name} — handover bundle\n\n"
        f"Assistant for {spec.client}. Image `{image_ref}`, port {dep.port} inside the container.\n\n"
        "## Run it (no network needed)\n\n"
        "```sh\n"
        "docker load -i images.tar\n"
        "cp .env.example .env   # then fill in the values\n"
        "docker-compose up -d   # or: docker compose up -d\n"
        "```\n\n"
        f"{nginx_note}\n\n{secrets}\n\n"
        "Then open http://localhost:8080/ (set HTTP_PORT in `.env` to change the port).\n\n"
        "## Endpoints\n\n"
        f"- `GET {dep.endpoints.health}` — health\n"
        f'- `POST {dep.endpoints.chat}` with `{{"message": "..."}}` — chat\n'
        "- `GET /metrics` — Prometheus metrics\n\n"
        "## Kubernetes\n\n"
        "`k8s.yaml` has a Deployment (2 replicas, health probes) and a Service; push the image to "
        "your registry and change `image:` first.\n"
    )


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def write_bundle(
    *,
    slug: str,
    spec: ProjectSpec,
    image_ref: str,
    output: Path,
    local: DeployDocker,
    nginx_image: str = DEFAULT_NGINX_IMAGE,
    mtime: int = FIXED_MTIME,
    on_log: Callable[[str], None] | None = None,
) -> BundleResult:
    """Write the bundle to ``output`` (.tar.gz). The image comes from the ``local`` daemon."""
    say = on_log or (lambda _m: None)
    if not str(output).endswith((".tar.gz", ".tgz")):
        raise InputError(f"Bundle file {output} must end with .tar.gz (or .tgz).")
    if not output.parent.is_dir():
        raise InputError(
            f"Folder {output.parent} does not exist; create it or choose another -o path."
        )
    if not local.image_exists(image_ref):
        raise DeployError(
            f"Image {image_ref} is not in the local Docker daemon; rebuild the project "
            f"(pixel build {slug}) and bundle again."
        )
    nginx_included = local.image_exists(nginx_image)
    refs = [image_ref] + ([nginx_image] if nginx_included else [])
    texts: list[tuple[str, str]] = [
        (".env.example", env_example(spec)),
        ("README.md", readme(slug, spec, image_ref, nginx_image, nginx_included)),
        ("docker-compose.yml", compose_file(slug, spec, image_ref, nginx_image)),
        ("k8s.yaml", k8s_manifest(slug, spec, image_ref)),
        ("nginx.conf", nginx_conf(spec)),
    ]
    members: list[str] = []
    fd, tmp_name = tempfile.mkstemp(prefix=".bundle-", suffix=".tmp", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tempfile.TemporaryFile(dir=output.parent) as images:
            say(f"saving {', '.join(refs)} (docker save)")
            for chunk in local.save_stream(refs):
                images.write(chunk)
            images_size = images.tell()
            images.seek(0)
            with open(tmp, "wb") as raw:
                gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime)
                with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    for name, text in texts:
                        _add_bytes(tar, f"{slug}/{name}", text.encode("utf-8"), mtime)
                        members.append(f"{slug}/{name}")
                    info = tarfile.TarInfo(f"{slug}/images.tar")
                    info.size = images_size
                    info.mtime = mtime
                    info.mode = 0o644
                    tar.addfile(info, images)
                    members.append(f"{slug}/images.tar")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    say(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB)")
    return BundleResult(
        path=output,
        members=members,
        image_ref=image_ref,
        nginx_image=nginx_image,
        nginx_included=nginx_included,
        size_bytes=output.stat().st_size,
    )


def bundle_summary(result: BundleResult) -> dict[str, Any]:
    return {
        "path": str(result.path),
        "members": result.members,
        "image": result.image_ref,
        "nginx_image": result.nginx_image,
        "nginx_included": result.nginx_included,
        "size_bytes": result.size_bytes,
    }
