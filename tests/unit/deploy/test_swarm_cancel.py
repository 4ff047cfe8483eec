"""Cancelling a Swarm deploy while the replicas converge: the record ends ``cancelled`` and
the service is put back (rolled back when it existed, removed when this deploy created it)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from deploy_fakes import FakeTarget, NoLocal

from pixel_desktop.deploy import DeployService
from pixel_desktop.docker.models import ServiceStatus
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

REPO = Path(__file__).resolve().parents[3]
HANG_GUARD_S = 10


class NeverConverging(FakeTarget):
    """A Swarm manager whose service update never completes (replicas never get healthy)."""

    def __init__(self, existing: bool) -> None:
        super().__init__()
        self.services: dict[str, dict] = {}
        self.existing = existing
        self.polled = threading.Event()

    def swarm_state(self) -> str:
        return "active"

    def service(self, name):
        if self.existing and name not in self.services:
            return {"ID": "s1", "UpdateStatus": {"StartedAt": "before"}}
        return self.services.get(name)

    def upsert_service(self, workload, **_kw):
        self.calls.append(f"upsert {workload.name} {workload.image}")
        self.services[workload.name] = {"ID": "s1", "UpdateStatus": {"StartedAt": "now"}}

    def service_status(self, name) -> ServiceStatus:
        self.polled.set()
        return ServiceStatus("s1", 2, "updating", "", 1, 2, "img:new")

    def task_errors(self, name):
        return []

    def rollback_service(self, name):
        self.calls.append(f"rollback {name}")

    def remove_service(self, name):
        self.calls.append(f"remove service {name}")


@pytest.fixture
def store():
    st = Store.open()
    yield st
    st.close()


def _deploy_and_cancel(store: Store, target: NeverConverging):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = "acme"
    data.setdefault("deployment", {})["secret_env"] = []
    project = store.projects.create(spec_from_data(data))
    build = store.builds.create(project.id)
    store.builds.set_status(build.id, "completed", image_name="img:new")
    store.targets.add("cluster", "ssh://ops@mgr.example", "swarm")
    svc = DeployService(
        store,
        Settings(),
        connect=lambda h, n: target if n else NoLocal(),
        local_host="unix:///x",
        http_get=target.http_get,
    )
    cancel = threading.Event()
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(
            svc.deploy("acme", "cluster", build_id=build.id, cancelled=cancel.is_set)
        )
    )
    worker.start()
    assert target.polled.wait(HANG_GUARD_S), "the deploy never waited for the replicas"
    cancel.set()
    worker.join(HANG_GUARD_S)
    assert result, "the deploy did not stop after the cancel"
    return result[0]


def test_cancel_while_an_existing_service_updates_asks_swarm_to_roll_it_back(store) -> None:
    target = NeverConverging(existing=True)

    record = _deploy_and_cancel(store, target)

    assert record.status == "cancelled"
    assert "roll it back" in record.error_message and "keeps serving" in record.error_message
    assert target.calls == ["upsert pixel-acme img:new", "rollback pixel-acme"]


def test_cancel_while_a_new_service_starts_removes_it(store) -> None:
    target = NeverConverging(existing=False)

    record = _deploy_and_cancel(store, target)

    assert record.status == "cancelled" and "was removed" in record.error_message
    assert target.calls == ["upsert pixel-acme img:new", "remove service pixel-acme"]
