"""Pipeline phases with a fake Docker gateway: push retry/classification, digest check,
redaction, timeout and cancel — the rules that must hold whatever the daemon does."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from keyring_fakes import MemoryKeyring
from store_fakes import FakeStore

from pixel_desktop import paths
from pixel_desktop.build import image_names
from pixel_desktop.build import pipeline as pipeline_mod
from pixel_desktop.build import registry_api as registry_api_mod
from pixel_desktop.build.wheelhouse import TargetPython
from pixel_desktop.docker.models import BuildOutcome, ImageInfo, PushOutcome
from pixel_desktop.errors import CancelledError, RegistryError
from pixel_desktop.events import EventBus, LogLine
from pixel_desktop.secrets import SecretStore
from pixel_desktop.settings import Settings
from pixel_desktop.spec import load_spec_file

DIGEST = "sha256:" + "ab" * 32
PASSWORD = "reg-pw-3f9c1e"


class FakeGateway:
    def __init__(self, push_results: list[Any], on_build: Any = None) -> None:
        self.push_results = list(push_results)
        self.push_calls: list[dict[str, str]] = []
        self.on_build = on_build
        self.tags: list[tuple[str, str, str]] = []

    def ensure_base_image(self, ref: str) -> None:
        pass

    def build(self, context_dir: Path, tag: str, **kw: Any) -> BuildOutcome:
        assert (context_dir / "Dockerfile").is_file()
        self.build_kwargs = kw
        kw["on_log"]("Step 1/1 : FROM base")
        if self.on_build:
            self.on_build(kw["handle"])
        return BuildOutcome("sha256:" + "1" * 64, 1, 0)

    def tag(self, image: str, repo: str, tag: str) -> None:
        self.tags.append((image, repo, tag))

    def inspect_image(self, ref: str) -> ImageInfo:
        return ImageInfo("sha256:" + "1" * 64, 1234, ())

    def push(self, repo: str, tag: str, auth: dict[str, str], **kw: Any) -> PushOutcome:
        self.push_calls.append(auth)
        result = self.push_results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    def close(self) -> None:
        pass


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PIXEL_HOME", str(tmp_path))
    spec = load_spec_file(paths.sample_spec_file())
    store = FakeStore([])
    store.projects.rows = {spec.slug: SimpleNamespace(id=1, slug=spec.slug, spec=spec)}
    store.projects.get_by_id = lambda pid: store.projects.rows[spec.slug]
    store.builds.add_artifacts = lambda bid, files: None
    registry = SimpleNamespace(name="reg", url="127.0.0.1:5999", username="bob", insecure=False)
    store.registries.get = lambda name: registry
    keyring = MemoryKeyring()
    secrets = SecretStore(keyring)
    secrets.set_registry_password("reg", "bob", PASSWORD)
    wheels = tmp_path / "wheels-cache"
    wheels.mkdir()
    monkeypatch.setattr(
        pipeline_mod.wheelhouse,
        "probe_target",
        lambda gw, img: TargetPython(3, 11, "cpython", "x86_64", "glibc", "2.36"),
    )
    monkeypatch.setattr(pipeline_mod.wheelhouse, "ensure_wheels", lambda *a, **k: wheels)
    served = {"digest": DIGEST}

    class FakeRegistryAPI:
        def __init__(self, address: str, username: str | None, password: str | None, **kw: Any):
            assert password == PASSWORD

        def manifest_digest(self, repository: str, reference: str) -> str:
            return served["digest"]

    # The pipeline imports the registry client when it pushes: patched where it lives.
    monkeypatch.setattr(registry_api_mod, "RegistryAPI", FakeRegistryAPI)
    bus = EventBus()
    jobs: list[pipeline_mod.Job] = []
    logs: list[str] = []
    bus.subscribe(lambda ev: logs.append(ev.text) if isinstance(ev, LogLine) else None)

    def run(gateway: FakeGateway, **job_kw: Any):
        pipe = pipeline_mod.BuildPipeline(
            store, Settings(base_image="base:1"), bus, lambda: gateway, secrets, threading.RLock()
        )
        record = store.builds.create(1)
        job = pipeline_mod.Job(
            record.id, 1, spec.slug, run_tests=False, cancel_event=_InstantBackoff(), **job_kw
        )
        jobs.append(job)
        status = pipe.run(job)
        return status, store.builds.get(record.id), job

    return SimpleNamespace(run=run, logs=logs, served=served, store=store, jobs=jobs)


class _InstantBackoff(threading.Event):
    """The job's own cancel event, whose long waits (the push retry back-off) return at once.

    Why here and not on ``threading.Event.wait``: patching the class shortens every wait in
    the process (pytest's, the event bus's, any other thread's) for the whole test, so a
    test could pass only because some unrelated timeout stopped waiting.
    """

    def wait(self, timeout: float | None = None) -> bool:
        return super().wait(0 if timeout is not None and timeout > 1 else timeout)


def test_push_backoff_is_skipped_without_shortening_other_waits_in_the_process(setup) -> None:
    gw = FakeGateway(
        [
            RegistryError("connection reset by peer", kind="unreachable"),
            RegistryError("connection reset by peer", kind="unreachable"),
            PushOutcome(DIGEST, 10),
        ]
    )
    t0 = time.monotonic()
    status, record, _ = setup.run(gw, push_registry="reg")
    assert status == "completed", record.error_message
    assert len(gw.push_calls) == 3
    assert time.monotonic() - t0 < 2  # the real back-off would be 2 s + 4 s
    t0 = time.monotonic()
    assert not threading.Event().wait(1.1)
    assert time.monotonic() - t0 >= 1.0, "an unrelated Event.wait was shortened"


def test_transient_push_errors_are_retried_then_the_digest_is_verified(setup) -> None:
    gw = FakeGateway(
        [RegistryError("connection reset by peer", kind="unreachable"), PushOutcome(DIGEST, 10)]
    )
    status, record, _ = setup.run(gw, push_registry="reg")
    assert status == "completed", record.error_message
    assert len(gw.push_calls) == 2
    assert gw.push_calls[0] == {
        "serveraddress": "127.0.0.1:5999",
        "username": "bob",
        "password": PASSWORD,
    }
    assert record.pushed_ref == f"127.0.0.1:5999/acme-corp/acme-support-bot:b1-{image_names.store_id('')}"
    assert record.digest == DIGEST


def test_unauthorized_is_not_retried_and_nothing_is_marked_pushed(setup) -> None:
    gw = FakeGateway(
        [RegistryError(f"unauthorized: bad credentials for {PASSWORD}", kind="unauthorized")]
    )
    status, record, _ = setup.run(gw, push_registry="reg")
    assert status == "failed"
    assert len(gw.push_calls) == 1
    assert "unauthorized" in record.error_message
    assert PASSWORD not in record.error_message  # redacted
    assert all(PASSWORD not in line for line in setup.logs)
    assert record.pushed_ref is None and record.digest is None


def test_a_digest_the_registry_does_not_serve_fails_the_push(setup) -> None:
    setup.served["digest"] = "sha256:" + "cd" * 32
    gw = FakeGateway([PushOutcome(DIGEST, 10)])
    status, record, _ = setup.run(gw, push_registry="reg")
    assert status == "failed"
    assert "not marking the build as pushed" in record.error_message
    assert record.pushed_ref is None


def test_cancel_during_build_records_cancelled(setup) -> None:
    def cancel_mid_build(handle):
        raise CancelledError("The build was cancelled.")

    status, record, _ = setup.run(FakeGateway([], on_build=cancel_mid_build))
    assert status == "cancelled" and record.status == "cancelled"
    assert set(record.phases) == {"generating", "building"}


def test_a_cancel_that_comes_once_the_last_phase_is_done_keeps_the_build_completed(setup) -> None:
    """Ctrl-C just as the push (or the tests) finished: the image is built, pushed and
    verified, so the record says so; the log says the cancel came too late."""

    class CancelledAsItPushes(FakeGateway):
        def push(self, repo: str, tag: str, auth: dict[str, str], **kw: Any) -> PushOutcome:
            outcome = super().push(repo, tag, auth, **kw)
            setup.jobs[-1].cancel()
            return outcome

    status, record, job = setup.run(CancelledAsItPushes([PushOutcome(DIGEST, 10)]), push_registry="reg")
    assert job.cancel_event.is_set()
    assert (status, record.status, record.digest) == ("completed", "completed", DIGEST)
    assert "The cancel came after the build had finished; it stays completed." in setup.logs


def test_build_timeout_fails_instead_of_cancelling(setup) -> None:
    def time_out(handle):
        setup.jobs[-1].time_out()  # the job being run, without patching Job for the process
        raise CancelledError("The build was cancelled.")

    status, record, _ = setup.run(FakeGateway([], on_build=time_out))
    assert status == "failed"
    assert "build_timeout_s" in record.error_message


def test_every_transition_is_persisted_in_order(setup) -> None:
    status, record, _ = setup.run(FakeGateway([PushOutcome(DIGEST, 1)]), push_registry="reg")
    assert status == "completed"
    history = [s for bid, s in setup.store.builds.history if bid == record.id]
    assert history == ["generating", "building", "pushing", "completed"]
    assert dataclasses.asdict(record)["phases"].keys() == {"generating", "building", "pushing"}


def test_no_cache_reaches_the_docker_build_and_is_off_by_default(setup) -> None:
    gw = FakeGateway([])
    assert setup.run(gw)[0] == "completed"
    assert gw.build_kwargs["nocache"] is False
    gw = FakeGateway([])
    assert setup.run(gw, no_cache=True)[0] == "completed"
    assert gw.build_kwargs["nocache"] is True


def test_a_plain_build_records_its_image_with_the_final_status_in_one_write(setup) -> None:
    updates: list[dict[str, Any]] = []
    real_update = setup.store.builds.update
    setup.store.builds.update = lambda bid, **fields: updates.append(fields) or real_update(bid, **fields)

    status, record, _ = setup.run(FakeGateway([]))

    assert status == "completed" and updates == []
    assert record.image_name.endswith(f":b{record.id}")
    assert (record.image_id, record.size_bytes) == ("sha256:" + "1" * 64, 1234)
    history = [s for bid, s in setup.store.builds.history if bid == record.id]
    assert history == ["generating", "building", "completed"]


def test_a_build_with_a_later_phase_shows_its_image_before_that_phase(setup) -> None:
    seen: list[str | None] = []
    real_set_status = setup.store.builds.set_status

    def set_status(bid: int, status: str, **fields: Any):
        if status == "pushing":
            seen.append(setup.store.builds.get(bid).image_name)
        return real_set_status(bid, status, **fields)

    setup.store.builds.set_status = set_status
    status, record, _ = setup.run(FakeGateway([PushOutcome(DIGEST, 1)]), push_registry="reg")

    assert status == "completed" and seen == [record.image_name] and record.image_name
