"""Rollout decisions without a daemon: order of stop/start, rollback, image transfer choice.

A fake target (tests/deploy_fakes.py) records what the service asked of it; HTTP health
answers from whichever fake container runs (images named ``*bad*`` answer 500, ``*crash*``
exit at once).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from deploy_fakes import FakeTarget, NoLocal

from pixel_desktop.deploy import DeployService
from pixel_desktop.errors import InputError
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def store():
    st = Store.open()
    yield st
    st.close()


def _project(store: Store, slug: str = "acme"):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = slug
    data.setdefault("deployment", {})["secret_env"] = []
    return store.projects.create(spec_from_data(data))


def _build(store: Store, project_id: int, image: str, pushed: str | None = None):
    b = store.builds.create(project_id)
    return store.builds.set_status(b.id, "completed", image_name=image, pushed_ref=pushed)


def _service(store: Store, target: FakeTarget) -> DeployService:
    store.targets.add("box", "ssh://ops@box.example", "docker")

    def connect(host, name):
        return target if name else NoLocal()

    return DeployService(
        store,
        Settings(),
        connect=connect,
        local_host="unix:///fake.sock",
        health_timeout_s=1.0,
        http_get=target.http_get,
    )


def test_healthy_deploy_checks_the_new_version_on_a_temporary_port_before_stopping_the_old(
    store,
) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    first = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)
    target.calls.clear()
    events: list = []

    second = svc.deploy(
        "acme", "box", build_id=_build(store, p.id, "img:good2").id, on_progress=events.append
    )

    assert (first.status, second.status) == ("healthy", "healthy")
    assert target.calls == [
        f"run pixel-acme-d{second.id}-check",
        f"remove pixel-acme-d{second.id}-check",
        f"stop pixel-acme-d{first.id}",
        f"run pixel-acme-d{second.id}",
        f"remove pixel-acme-d{first.id}",
    ]
    messages = [getattr(e, "message", "") for e in events]
    assert any("temporary port" in m for m in messages)
    assert any("can be published by one container only" in m for m in messages), messages
    assert second.url == "http://box.example:8000"
    assert second.config_snapshot["via"] == "load"


def test_an_unhealthy_new_version_never_stops_the_old_one(store) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    first = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)
    target.calls.clear()
    events: list = []

    second = svc.deploy(
        "acme", "box", build_id=_build(store, p.id, "img:bad").id, on_progress=events.append
    )

    assert second.status == "rolled_back"
    assert "HTTP 500" in second.error_message and f"pixel-acme-d{first.id}" in second.error_message
    assert "never stopped" in second.error_message
    assert target.calls == [
        f"run pixel-acme-d{second.id}-check",
        f"remove pixel-acme-d{second.id}-check",
    ]
    assert type(events[-1]).__name__ == "DeployFinished" and events[-1].status == "rolled_back"


def test_a_version_failing_only_after_the_switch_over_is_removed_and_the_old_one_restarted(
    store,
) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    first = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)
    target.calls.clear()
    events: list = []

    second = svc.deploy(
        "acme", "box", build_id=_build(store, p.id, "img:late").id, on_progress=events.append
    )

    assert second.status == "rolled_back"
    assert "HTTP 500" in second.error_message and f"pixel-acme-d{first.id}" in second.error_message
    assert target.calls[2:] == [
        f"stop pixel-acme-d{first.id}",
        f"run pixel-acme-d{second.id}",
        f"remove pixel-acme-d{second.id}",
        f"start pixel-acme-d{first.id}",
    ]
    assert any(getattr(e, "stage", "") == "rolling_back" for e in events)


def test_ctrl_c_during_the_health_wait_restarts_the_old_container_and_closes_the_record(
    store,
) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    first = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)

    with pytest.raises(KeyboardInterrupt):
        svc.deploy("acme", "box", build_id=_build(store, p.id, "img:interrupt").id)

    assert [(c["name"], c["state"]) for c in target.containers_.values()] == [
        (f"pixel-acme-d{first.id}", "running")
    ]
    latest = store.deployments.list("acme")[0]
    assert latest.status == "failed" and "Interrupted" in latest.error_message
    again = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good2").id)
    assert again.status == "healthy", "the lock was released"


def test_a_deployment_left_deploying_by_a_dead_process_is_swept_on_start(store) -> None:
    import socket

    p = _project(store)
    store.targets.add("box", "ssh://ops@box.example", "docker")
    stale = store.deployments.create(p.id, "box", "img:x", config_snapshot={}, status="deploying")
    elsewhere = store.deployments.create(
        p.id, "box", "img:y", config_snapshot={"runner_host": "another-machine"}, status="deploying"
    )

    svc = DeployService(store, Settings(), connect=lambda h, n: NoLocal(), local_host="unix:///x")

    assert svc.swept_on_start == 1
    swept = store.deployments.get(stale.id)
    assert swept.status == "failed" and "Interrupted" in swept.error_message
    assert swept.completed_at is not None
    assert store.deployments.get(elsewhere.id).status == "deploying", socket.gethostname()


def _hold_lock_in_another_process(slug: str, target: str):
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pixel_desktop.deploy.lock import DeployLock\n"
        f"lock = DeployLock({slug!r}, {target!r})\n"
        "assert lock.try_acquire()\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_deploy_running_in_another_process_blocks_a_second_one_and_is_not_swept(store) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    live = store.deployments.create(p.id, "box", "img:x", config_snapshot={}, status="deploying")
    holder = _hold_lock_in_another_process("acme", "box")
    try:
        from pixel_desktop.errors import DeployError

        with pytest.raises(DeployError, match="Another deploy or rollback of acme to box"):
            svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)
        assert svc.sweep_stale() == 0
        assert store.deployments.get(live.id).status == "deploying"
        assert [d.id for d in store.deployments.list("acme")] == [live.id]
        assert target.calls == []
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert svc.sweep_stale() == 1, "the holder exited: its record is a leftover now"


def test_a_crashing_first_deploy_fails_with_the_container_output(store) -> None:
    p = _project(store)
    target = FakeTarget()
    record = _service(store, target).deploy(
        "acme", "box", build_id=_build(store, p.id, "img:crash").id
    )
    assert record.status == "failed"
    assert "stopped (exit code 1)" in record.error_message and "boom" in record.error_message
    assert target.containers_ == {}


def test_a_port_taken_by_someone_else_fails_before_touching_the_old_container(store) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)
    target.foreign = "container nginx-proxy"
    target.calls.clear()

    record = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good2").id)

    assert record.status == "failed" and "nginx-proxy" in record.error_message
    assert target.calls == []


def test_image_transfer_streams_only_when_the_target_lacks_it(store) -> None:
    p = _project(store)
    target = FakeTarget(images={"img:already"})
    svc = _service(store, target)
    svc.deploy("acme", "box", build_id=_build(store, p.id, "img:already").id)
    assert target.copied == []
    svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good-new").id, via="load")
    assert target.copied == ["img:good-new"]


def test_via_registry_needs_a_pushed_build_and_pulls_the_pushed_ref(store) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    unpushed = _build(store, p.id, "img:good1")
    with pytest.raises(InputError, match="--via load"):
        svc.deploy("acme", "box", build_id=unpushed.id, via="registry")
    pushed = _build(store, p.id, "img:good2", pushed="127.0.0.1:5000/acme:b2")

    record = svc.deploy("acme", "box", build_id=pushed.id)  # default via: registry when pushed

    assert record.status == "healthy" and record.image_ref == "127.0.0.1:5000/acme:b2"
    assert target.pulled == [("127.0.0.1:5000/acme:b2", None)]


def test_rollback_goes_to_the_previous_healthy_deployment_with_another_image(store) -> None:
    p = _project(store)
    target = FakeTarget()
    svc = _service(store, target)
    with pytest.raises(InputError, match="no healthy deployment"):
        svc.rollback("acme", "box")
    a = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good-a").id)
    with pytest.raises(InputError, match="nothing to roll back to"):
        svc.rollback("acme", "box")
    svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good-b").id)
    svc.deploy("acme", "box", build_id=_build(store, p.id, "img:bad").id)

    back = svc.rollback("acme", "box")

    assert back.status == "healthy" and back.image_ref == "img:good-a"
    assert back.config_snapshot["rollback_to"] == a.id
    assert [c["image"] for c in target.containers_.values()] == ["img:good-a"]


def test_builds_of_another_project_or_unfinished_are_refused(store) -> None:
    p = _project(store)
    other = _project(store, "other")
    svc = _service(store, FakeTarget())
    with pytest.raises(InputError, match="no completed build"):
        svc.deploy("acme", "box")
    with pytest.raises(InputError, match="belongs to other"):
        svc.deploy("acme", "box", build_id=_build(store, other.id, "img:x").id)
    queued = store.builds.create(p.id)
    with pytest.raises(InputError, match="queued"):
        svc.deploy("acme", "box", build_id=queued.id)
    with pytest.raises(InputError, match="--via"):
        svc.deploy("acme", "box", build_id=_build(store, p.id, "img:y").id, via="carrier-pigeon")


def test_swarm_target_without_an_active_swarm_fails_with_how_to_fix(store) -> None:
    p = _project(store)
    target = FakeTarget()
    target.swarm_state = lambda: "inactive"  # type: ignore[method-assign]
    store.targets.add("cluster", "ssh://ops@mgr.example", "swarm")
    svc = DeployService(
        store,
        Settings(),
        connect=lambda h, n: target if n else NoLocal(),
        local_host="unix:///x",
        health_timeout_s=1.0,
        http_get=target.http_get,
    )
    record = svc.deploy("acme", "cluster", build_id=_build(store, p.id, "img:good").id)
    assert record.status == "failed" and "docker swarm init" in record.error_message


SECRET = "sk-live-7d1e0c9a"
REGISTRY_PASSWORD = "reg-pw-51b2f3"


class _Secrets:
    def get_project_secret(self, project, name):
        return SECRET if name == "LLM_API_KEY" else None

    def get_registry_password(self, registry, username):
        return REGISTRY_PASSWORD


class LeakyTarget(FakeTarget):
    """A daemon and a service that echo what they were given, as real ones can."""

    fail_create = False

    def create_and_start(self, workload, *, temporary=False):
        if self.fail_create:
            from pixel_desktop.errors import DeployError

            raise DeployError(
                f"daemon: cannot create {workload.name} with env {sorted(workload.env.items())}"
            )
        return super().create_and_start(workload, temporary=temporary)

    def container_logs(self, cid, tail=20):
        return f"config: LLM_API_KEY={SECRET}\nTraceback: boom\n"

    def pull(self, ref, auth, on_log):
        from pixel_desktop.errors import DeployError

        raise DeployError(f"pull {ref}: registry said no to {auth}")


def _secret_project(store: Store):
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = "acme"
    data.setdefault("deployment", {})["secret_env"] = ["LLM_API_KEY"]
    return store.projects.create(spec_from_data(data))


def _texts(record, events) -> list[str]:
    """Everything a deploy shows or keeps: the record's error and every event's text."""
    texts = [record.error_message or ""]
    for event in events:
        texts += [str(getattr(event, f, "") or "") for f in ("message", "error")]
    return texts


def test_secret_values_echoed_by_the_daemon_or_the_service_never_reach_messages(store) -> None:
    p = _secret_project(store)
    target = LeakyTarget()
    svc = _service(store, target)
    svc._secrets = _Secrets()
    events: list = []

    crashed = svc.deploy(
        "acme", "box", build_id=_build(store, p.id, "img:crash").id, on_progress=events.append
    )
    healthy = svc.deploy("acme", "box", build_id=_build(store, p.id, "img:good1").id)
    target.fail_create = True
    rolled = svc.deploy(
        "acme", "box", build_id=_build(store, p.id, "img:good2").id, on_progress=events.append
    )

    assert (crashed.status, healthy.status, rolled.status) == ("failed", "healthy", "rolled_back")
    assert "LLM_API_KEY=***" in crashed.error_message and "boom" in crashed.error_message
    assert "'LLM_API_KEY', '***'" in rolled.error_message
    leaks = [t for t in _texts(crashed, events) + _texts(rolled, []) if SECRET in t]
    assert leaks == []
    assert SECRET not in repr(store.deployments.list("acme"))


def test_the_registry_password_never_reaches_a_failed_pull_message(store) -> None:
    p = _secret_project(store)
    store.registries.add("team", "127.0.0.1:5000", username="bob")
    target = LeakyTarget()
    svc = _service(store, target)
    svc._secrets = _Secrets()
    b = store.builds.create(p.id)
    pushed = store.builds.set_status(
        b.id, "completed", image_name="img:good", pushed_ref="127.0.0.1:5000/acme:b1",
        registry_name="team",
    )
    events: list = []

    record = svc.deploy("acme", "box", build_id=pushed.id, on_progress=events.append)

    assert record.status == "failed" and "registry said no" in record.error_message
    assert [t for t in _texts(record, events) if REGISTRY_PASSWORD in t] == []


def test_the_sweep_never_fails_a_deployment_that_finished_after_it_was_listed(store) -> None:
    """The sweep lists, checks the lock, then writes: a deploy ending in between stays as it
    ended (the write is conditional on the record still being unfinished)."""
    p = _project(store)
    store.targets.add("box", "ssh://ops@box.example", "docker")
    dep = store.deployments.create(p.id, "box", "img:x", config_snapshot={}, status="deploying")
    store.deployments.set_status(dep.id, "healthy", url="http://box.example:8000")

    assert store.deployments.fail_if_unfinished(dep.id, "Interrupted: ...") is False

    assert store.deployments.get(dep.id).status == "healthy"
