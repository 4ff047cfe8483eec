"""Images on a daemon: exists, inspect, history, tag, remove; image references."""

from __future__ import annotations

import contextlib
from typing import Any

from pixel_desktop.docker.models import ImageInfo
from pixel_desktop.docker.transport import Connection
from pixel_desktop.errors import DockerNotFoundError


def split_ref(ref: str) -> tuple[str, str]:
    """``repo[:tag]`` → (repo, tag); a registry port is not a tag; digests are kept whole."""
    if "@" in ref:
        return ref, ""
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = ref.rsplit(":", 1)
        return repo, tag
    return ref, "latest"


class ImagesMixin(Connection):
    def image_exists(self, ref: str) -> bool:
        try:
            self._call("inspect an image", lambda: self.api.inspect_image(ref))
            return True
        except DockerNotFoundError:
            return False

    def inspect_image(self, ref: str) -> ImageInfo:
        try:
            data = self._call("inspect an image", lambda: self.api.inspect_image(ref))
        except DockerNotFoundError as exc:
            raise DockerNotFoundError(f"Image {ref} does not exist on {self.host}.") from exc
        return ImageInfo(
            id=str(data["Id"]),
            size_bytes=int(data.get("Size") or 0),
            tags=tuple(data.get("RepoTags") or ()),
            config=dict(data),
        )

    def image_history(self, ref: str) -> list[dict[str, Any]]:
        return list(self._call("read image history", lambda: self.api.history(ref)))

    def tag(self, image: str, repository: str, tag: str = "latest") -> None:
        self._call("tag an image", lambda: self.api.tag(image, repository, tag, force=True))

    def remove_image(self, ref: str, *, force: bool = True) -> None:
        """Remove (force by default); an image that is already gone is fine. Without
        ``force`` the daemon refuses an image a container uses (DockerError)."""
        with contextlib.suppress(DockerNotFoundError):
            self._call("remove an image", lambda: self.api.remove_image(ref, force=force))
