"""A deploy cancelled while its image streams to the target stops the stream and touches no
container: the running version keeps serving."""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from deploy_fakes import FakeTarget, NoLocal

from pixel_desktop.deploy import DeployService
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

REPO = Path(__file__).resolve().parents[3]


class SlowStream(FakeTarget):
    """Streams the image in chunks; the deploy is cancelled after the first one."""

    def __init__(self, cancel: threading.Event) -> None:
        super().__init__()
        self.cancel = cancel
        self.chunks_sent = 0

    def copy_image_from(self, source, ref, on_log, on_bytes=None):
        for n in range(1, 100):
            self.chunks_sent = n
            if n == 2:
                self.cancel.set()  # the user presses Cancel mid-stream
            if on_bytes is not None:
                on_bytes(n * 1024 * 1024)
        self.images.add(ref)


def test_cancel_during_the_image_stream_stops_it_and_no_container_changes() -> None:
    store = Store.open()
    try:
        data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
        data["slug"] = "acme"
        data.setdefault("deployment", {})["secret_env"] = []
        project = store.projects.create(spec_from_data(data))
        store.targets.add("box", "ssh://ops@box.example", "docker")
        builds = []
        for image in ("img:good1", "img:good2"):
            b = store.builds.create(project.id)
            builds.append(store.builds.set_status(b.id, "completed", image_name=image).id)
        cancel = threading.Event()
        target = SlowStream(cancel)
        target.images.add("img:good1")
        svc = DeployService(
            store,
            Settings(),
            connect=lambda h, n: target if n else NoLocal(),
            local_host="unix:///fake.sock",
            health_timeout_s=1.0,
            http_get=target.http_get,
        )
        first = svc.deploy("acme", "box", build_id=builds[0])
        target.calls.clear()

        record = svc.deploy("acme", "box", build_id=builds[1], cancelled=cancel.is_set)

        assert first.status == "healthy"
        assert record.status == "cancelled" and "image transfer" in record.error_message
        assert target.chunks_sent == 2, "the stream stopped at the next chunk"
        assert target.calls == [], "no container was created, stopped or removed"
        assert [c["state"] for c in target.containers_.values()] == ["running"]
    finally:
        store.close()
