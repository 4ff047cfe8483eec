"""Get the image onto the target: already there, pulled from a registry, or streamed from
the local daemon (``docker save`` → ``docker load``, no temp file).

The old version keeps serving during the transfer, so a cancel here changes nothing on the
target but a partly loaded image; the cancel token is checked on every progress line and
every streamed chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from pixel_desktop.deploy.rollout import Rollout
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.images import split_ref
from pixel_desktop.errors import DeployError, RegistryError

PROGRESS_EVERY_BYTES = 32 * 1024 * 1024


def ensure_image(
    r: Rollout,
    local: Callable[[], AbstractContextManager[DockerClient]],
    remember_secret: Callable[[str], None],
) -> str | None:
    """Get ``r.plan.image_ref`` onto the target (already there → nothing moves); its digest."""
    docker, plan = r.docker, r.plan
    left = "during the image transfer; the running version was not touched."

    def say(message: str) -> None:
        r.checkpoint(left)
        r.emit("transferring", message)

    if docker.image_exists(plan.image_ref):
        say(f"{plan.image_ref} is already on the target")
    elif plan.via == "registry":
        say(f"target pulls {plan.image_ref}")
        auth = r.registry_auth()
        if auth and auth.get("password"):
            remember_secret(auth["password"])
        try:
            docker.pull(plan.image_ref, auth, say)
        except RegistryError as exc:
            if exc.kind == "unauthorized":
                raise DeployError(
                    f"{exc.message}. The registry refused the credentials stored in the OS "
                    f"keyring for {plan.registry_name or 'this registry'}; update them with "
                    "`pixel registries add` (password from stdin) or deploy with --via load."
                ) from exc
            raise
    else:
        say(f"streaming {plan.image_ref} from the local daemon (docker save → docker load)")
        with local() as source:
            if not source.image_exists(plan.image_ref):
                raise DeployError(
                    f"{plan.image_ref} is not in the local Docker daemon any more; rebuild "
                    f"(pixel build {plan.project.slug}) or deploy with --via registry."
                )
            last = [0]

            def on_bytes(n: int) -> None:
                r.checkpoint(left)
                if n - last[0] >= PROGRESS_EVERY_BYTES:
                    last[0] = n
                    say(f"{n / 1e6:.0f} MB sent")

            docker.copy_image_from(source, plan.image_ref, say, on_bytes)
    image = docker.inspect_image(plan.image_ref)
    return image.repo_digest(split_ref(plan.image_ref)[0]) or image.id or None
