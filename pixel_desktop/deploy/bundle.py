"""Offline handover bundle: everything a client needs to run the assistant without us.

``<slug>/`` inside the .tar.gz holds docker-compose.yml (assistant behind nginx), nginx.conf,
k8s.yaml (all three made by the codegen exactly as for the generated service, then adapted
as data: exact image tag, ``.env`` for secrets and the host port), .env.example (names
only — secret values are never written), README.md and images.tar (``docker save`` of the assistant image and, when present locally, the nginx
image). Members are written in a fixed order with fixed metadata, so the same build gives
the same text files; the compose file names the exact tag that images.tar carries, so
``docker load -i images.tar && docker-compose up -d`` works on a machine with no network.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from pixel_desktop.codegen import builders
from pixel_desktop.codegen.literals import yaml_documents
from pixel_desktop.codegen.model import RenderContext
from pixel_desktop.codegen.render import DEFAULT_BASE_IMAGE, render_context, render_project
from pixel_desktop.codegen.templates import get_template_set
from pixel_desktop.docker.client import DockerClient
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


def _generated(spec: ProjectSpec, image_ref: str) -> tuple[RenderContext, dict[str, bytes]]:
    """The generated service's render context (with the bundle's exact image) and its
    deployment files, from the codegen itself: the bundle ships the same compose, k8s and
    nginx files, with the same hardening and the same escaping of user text, as
    ``pixel generate`` writes — never a second, weaker copy."""
    tset = get_template_set(spec.template)
    ctx: RenderContext = {
        **render_context(spec, tset, base_image=DEFAULT_BASE_IMAGE, project_id=None)
    }
    ctx["image"] = image_ref
    files = {
        f.path: f.content for f in render_project(spec, tset) if f.path.startswith("deployment/")
    }
    files["deployment/docker-compose.yml"] = builders.docker_compose(spec, ctx)
    files["deployment/k8s.yaml"] = builders.kubernetes(spec, ctx)
    return ctx, files


def compose_file(
    slug: str, spec: ProjectSpec, image_ref: str, nginx_image: str, http_port: int = 8080
) -> str:
    """The generated docker-compose.yml, adapted as data for a machine without the source:
    no ``build:``, the image from images.tar, the spec's PORT (the image's default is the
    port at build time), secrets and the host port read from ``.env``."""
    _, files = _generated(spec, image_ref)
    data = yaml.safe_load(files["deployment/docker-compose.yml"])
    services = data["services"]
    assistant = services["assistant"]
    assistant.pop("build", None)
    environment = {"PORT": str(spec.deployment.port), **(assistant.get("environment") or {})}
    for name in spec.deployment.secret_env:  # names match [A-Za-z_][A-Za-z0-9_]*
        environment[name] = f"${{{name}:-}}"
    assistant["environment"] = environment
    services["nginx"]["image"] = nginx_image
    services["nginx"]["ports"] = [f"${{HTTP_PORT:-{int(http_port)}}}:80"]
    header = (
        f"# {slug}: the assistant behind nginx. Offline: docker load -i images.tar && "
        "docker-compose up -d\n"
    )
    return header + yaml_documents(data).decode("utf-8")


def nginx_conf(spec: ProjectSpec) -> str:
    """The generated service's nginx.conf (rate limit on chat, no server tokens, timeouts)."""
    _, files = _generated(spec, "unused:latest")
    return files["deployment/nginx.conf"].decode("utf-8")


def k8s_manifest(slug: str, spec: ProjectSpec, image_ref: str) -> str:
    """The generated k8s.yaml (ConfigMap, Deployment with the security context and probes,
    Service) naming the bundle's exact image."""
    ctx, files = _generated(spec, image_ref)
    header = (
        f"# Kubernetes: kubectl apply -f k8s.yaml (create secret {ctx['k8s_name']}-secrets "
        "first if the assistant needs secret settings)\n"
    )
    return header + files["deployment/k8s.yaml"].decode("utf-8")


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
        "`k8s.yaml` has a ConfigMap (settings), a Deployment (health probes, non-root, "
        "read-only root filesystem) and a Service; push the image to your registry and change "
        "`image:` first.\n"
    )


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


# gzip's own default: about a quarter of level 9's time (Python's default) on image layers,
# for a file about 1% larger. Compressing is most of a bundle's time.
COMPRESS_LEVEL = 6


class _Progress:
    """``images.tar`` read into the archive, saying every quarter how far it got: compressing
    a few hundred MB takes a while, and a silent command looks hung."""

    def __init__(self, source: BinaryIO, size: int, say: Callable[[str], None]) -> None:
        self._source, self._size, self._say = source, size, say
        self._done = 0
        self._next_quarter = 1

    def read(self, n: int = -1) -> bytes:
        data = self._source.read(n)
        self._done += len(data)
        while self._size and self._next_quarter < 4 and self._done * 4 >= self._size * self._next_quarter:
            self._say(f"compressing: {self._next_quarter * 25}% of {self._size / 1e6:.0f} MB")
            self._next_quarter += 1
        return data


def write_bundle(
    *,
    slug: str,
    spec: ProjectSpec,
    image_ref: str,
    output: Path,
    local: DockerClient,
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
            started = time.monotonic()
            for chunk in local.save_stream(refs):
                images.write(chunk)
            images_size = images.tell()
            images.seek(0)
            say(f"saved {images_size / 1e6:.0f} MB in {time.monotonic() - started:.0f} s; compressing")
            with open(tmp, "wb") as raw:
                gz = gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, mtime=mtime, compresslevel=COMPRESS_LEVEL
                )
                with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    for name, text in texts:
                        _add_bytes(tar, f"{slug}/{name}", text.encode("utf-8"), mtime)
                        members.append(f"{slug}/{name}")
                    info = tarfile.TarInfo(f"{slug}/images.tar")
                    info.size = images_size
                    info.mtime = mtime
                    info.mode = 0o644
                    tar.addfile(info, _Progress(images, images_size, say))
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
