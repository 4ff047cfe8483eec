"""A stand-in Docker gateway whose "container" is an in-process HTTP server (unit and GUI tests).

It lets the eval runner be tested without Docker: the server answers /health and /chat from
a function of the question, and ``removed`` proves the runner removed what it started.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from pixel_desktop import paths
from pixel_desktop.codegen import render_project
from pixel_desktop.docker.models import ImageInfo
from pixel_desktop.spec import ProjectSpec, load_spec_file

if TYPE_CHECKING:
    from pixel_desktop.secrets import SecretsOwner
    from pixel_desktop.store import BuildRecord, Store

Reply = Callable[[str], tuple[int, dict[str, Any]]]


def faq_reply(title: str, score: float = 0.8) -> tuple[int, dict[str, Any]]:
    sources = [{"type": "faq", "title": title, "score": score}]
    return 200, {"reply": "answer", "session_id": "s", "sources": sources, "handoff": False}


def suggestion_reply(title: str, score: float) -> tuple[int, dict[str, Any]]:
    """The service's "Did you mean ...?" reply: below the answer threshold, not an answer."""
    sources = [{"type": "suggestion", "title": title, "score": score}]
    reply = f"Did you mean: {title}"
    return 200, {"reply": reply, "session_id": "s", "sources": sources, "handoff": False}


def fallback_reply() -> tuple[int, dict[str, Any]]:
    return 200, {
        "reply": "Sorry, I'm not sure.",
        "session_id": "s",
        "sources": [],
        "handoff": False,
    }


@dataclass
class FakeGateway:
    reply: Reply
    healthy: bool = True
    has_image: bool = True
    exposed_port: int = 8000
    host: str = "unix:///fake.sock"
    logs: str = "INFO boot\nERROR the data file is broken"
    started: list[dict[str, Any]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    closed: bool = False
    _server: ThreadingHTTPServer | None = None

    def image_exists(self, ref: str) -> bool:
        return self.has_image

    def inspect_image(self, ref: str) -> ImageInfo:
        exposed: dict[str, Any] = {"Config": {"ExposedPorts": {f"{self.exposed_port}/tcp": {}}}}
        return ImageInfo("sha256:" + "f" * 64, 0, (ref,), exposed)

    def run_container(
        self,
        image: str,
        *,
        container_port: int | None = None,
        environment: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
    ) -> tuple[str, int | None]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/health" and gateway.healthy:
                    self._send(200, {"status": "ok"})
                else:
                    self._send(503, {"status": "starting"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                message = json.loads(self.rfile.read(length))["message"]
                gateway.asked.append(message)
                status, body = gateway.reply(message)
                if status == 0:  # simulate the service dying mid-request
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.close()
                    return
                self._send(status, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.started.append(
            {"image": image, "port": container_port, "env": environment, "labels": labels}
        )
        return "fakecontainer0001", self._server.server_address[1]

    def remove_container(self, container_id: str) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.removed.append(container_id)

    def container_running(self, container_id: str) -> bool:
        return self.healthy

    def container_logs(self, container_id: str, tail: int = 200) -> str:
        return self.logs

    def close(self) -> None:
        self.closed = True


class NoSecrets:
    def get_project_secret(self, project: SecretsOwner, name: str) -> str | None:
        return None


def sample_spec() -> ProjectSpec:
    return load_spec_file(paths.sample_spec_file())


def add_built_project(
    store: Store, spec: ProjectSpec | None = None, status: str = "completed"
) -> BuildRecord:
    """A project with one build that has an image and the generated files (no Docker)."""
    spec = spec or sample_spec()
    try:
        project = store.projects.get(spec.slug or "")  # no slug: not stored yet
    except Exception:
        project = store.projects.create(spec)
    build = store.builds.create(project.id)
    files = render_project(project.spec, project.spec.template, project_id=project.id)
    store.builds.add_artifacts(build.id, [(f.path, f.content, f.role) for f in files])
    return store.builds.set_status(
        build.id,
        status,
        image_name=f"pixel/test/{project.slug}:b{build.id}",
        image_id=f"sha256:{build.id:064x}",
    )


if TYPE_CHECKING:  # checked by mypy (tests/unit/test_fakes_match_interfaces.py)
    from pixel_desktop.app.eval import Gateway
    from pixel_desktop.build.tester import ProjectSecrets

    _gateway: Gateway = FakeGateway(lambda question: fallback_reply())
    _secrets: ProjectSecrets = NoSecrets()
