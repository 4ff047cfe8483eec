"""Fakes of a deploy target for tests without a daemon: a ``FakeTarget`` records what the
deploy service asked of it and answers health checks from whichever fake container runs.

Images name their behaviour: ``*bad*`` answers 500 everywhere, ``*late*`` only on a
temporary port (healthy as a candidate, failing once switched over), ``*crash*`` exits at
once, ``*interrupt*`` raises KeyboardInterrupt on the real port.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from pixel_desktop.docker.models import ContainerInfo, ContainerState, ImageInfo, Workload

# A fake container: name, image, labels, state, env, host_port (the test reads them back).
FakeContainer = dict[str, Any]


class FakeTarget:
    def __init__(
        self, images: set[str] | None = None, foreign_port_user: str | None = None
    ) -> None:
        self.images = set(images or ())
        self.containers_: dict[str, FakeContainer] = {}
        self.calls: list[str] = []
        self.foreign = foreign_port_user
        self.copied: list[str] = []
        self.pulled: list[tuple[str, dict[str, str] | None]] = []
        self._ids = itertools.count(1)

    def __enter__(self) -> FakeTarget:
        return self

    def __exit__(self, *a: object) -> None:
        return None

    # images
    def image_exists(self, ref: str) -> bool:
        return ref in self.images

    def inspect_image(self, ref: str) -> ImageInfo:
        return ImageInfo("sha256:" + "ab" * 32, 0, (ref,), {"RepoDigests": []})

    def pull(
        self,
        ref: str,
        auth: dict[str, str] | None = None,
        on_log: Callable[[str], None] = lambda line: None,
        **_stream: object,
    ) -> str:
        self.pulled.append((ref, auth))
        self.images.add(ref)
        return "sha256:x"

    def copy_image_from(
        self,
        source: object,
        ref: str,
        on_log: Callable[[str], None],
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        self.copied.append(ref)
        self.images.add(ref)

    # containers
    def list_containers(self, labels: Mapping[str, str] | None = None) -> list[ContainerInfo]:
        labels = labels or {}
        return [
            ContainerInfo(cid, c["name"], c["state"], c["image"], c["labels"])
            for cid, c in self.containers_.items()
            if all(c["labels"].get(k) == v for k, v in labels.items())
        ]

    def port_users(self, port: int) -> list[str]:
        users = [
            f"container {c['name']}" for c in self.containers_.values() if c["state"] == "running"
        ]
        return users + ([self.foreign] if self.foreign else [])

    def stop_container(self, cid: str, timeout_s: int = 10) -> None:
        self.calls.append(f"stop {self.containers_[cid]['name']}")
        self.containers_[cid]["state"] = "exited"

    def start_container(self, cid: str) -> None:
        self.calls.append(f"start {self.containers_[cid]['name']}")
        self.containers_[cid]["state"] = "running"

    def remove_container(self, cid: str) -> None:
        self.calls.append(f"remove {self.containers_[cid]['name']}")
        del self.containers_[cid]

    def create_and_start(self, workload: Workload, *, temporary: bool = False) -> str:
        n = next(self._ids)
        cid = f"c{n}"
        state = "exited" if "crash" in workload.image else "running"
        self.containers_[cid] = {
            "name": workload.name,
            "image": workload.image,
            "labels": workload.labels,
            "state": state,
            "env": workload.env,
            "host_port": 40000 + n if temporary else workload.port,
        }
        self.calls.append(f"run {workload.name}")
        return cid

    def published_port(self, cid: str, port: int) -> int | None:
        host_port: int | None = self.containers_[cid]["host_port"]
        return host_port

    def container_state(self, cid: str) -> ContainerState:
        c = self.containers_.get(cid)
        if c is None:
            return ContainerState("missing", -1, None, "")
        return ContainerState(c["state"], 1 if c["state"] == "exited" else 0, None, "")

    def container_logs(self, cid: str, tail: int = 200) -> str:
        return "Traceback: boom\n"

    def http_get(self, url: str, timeout: float) -> int:
        """Answers from the running container published on the URL's port: ``*bad*`` images
        answer 500, ``*late*`` ones only on a temporary port (healthy as a candidate, failing
        once switched over), ``*interrupt*`` ones raise KeyboardInterrupt on the real port."""
        port = httpx.URL(url).port
        running = [
            c
            for c in self.containers_.values()
            if c["state"] == "running" and c["host_port"] == port
        ]
        if not running:
            raise httpx.ConnectError("refused")
        if port is None:
            raise httpx.ConnectError("no port in the URL")
        image, temporary = running[0]["image"], port >= 40000
        if "interrupt" in image and not temporary:
            raise KeyboardInterrupt
        return 500 if "bad" in image or ("late" in image and not temporary) else 200


class NoLocal:
    def image_exists(self, ref: str) -> bool:
        return True

    def __enter__(self) -> NoLocal:
        return self

    def __exit__(self, *a: object) -> None:
        return None


if TYPE_CHECKING:  # checked by mypy (tests/unit/test_fakes_match_interfaces.py)
    from pixel_desktop.deploy.health import ContainerStates, HttpGet

    _states: ContainerStates = FakeTarget()
    _http_get: HttpGet = FakeTarget().http_get
