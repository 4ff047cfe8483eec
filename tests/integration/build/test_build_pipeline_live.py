"""The whole build pipeline against the real daemon, registry and Secret Service keyring.

Builds are few and share the daemon's layer cache (same base image, same pinned
requirements), so after the first cold build each one costs seconds.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from services import docker_cli

from pixel_desktop import paths
from pixel_desktop.build import image_names
from pixel_desktop.build.registry_api import RegistryAPI
from pixel_desktop.events import MetricSample, PhaseChanged
from pixel_desktop.jobs.local import BuildEngine
from pixel_desktop.secrets import SecretStore
from pixel_desktop.settings import Settings
from pixel_desktop.spec import load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data
from pixel_desktop.store import Store

pytestmark = [pytest.mark.docker, pytest.mark.slow]
RUNNING = {"generating", "building", "testing", "pushing"}
BUILD_CEILING_S = 600


def sample_spec(**changes: Any) -> Any:
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return spec_from_data(data)


@pytest.fixture
def store(pixel_home: Path) -> Any:
    st = Store.open(paths.default_store_url())
    yield st
    st.close()


@pytest.fixture
def make_engine(store: Any, docker_host: str, base_image: str):
    engines: list[BuildEngine] = []

    def make(concurrency: int = 2) -> BuildEngine:
        settings = Settings(
            docker_host=docker_host, base_image=base_image, build_concurrency=concurrency
        )
        engine = BuildEngine(store, settings)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.shutdown(timeout=60)


def test_sample_builds_passes_its_container_test_and_is_pushed_with_matching_digest(
    store: Any, make_engine, registry, secret_service: object, docker_host: str
) -> None:
    project = store.projects.create(sample_spec())
    store.registries.add("local", registry.address, username=registry.username)
    SecretStore().set_registry_password("local", registry.username, registry.password)
    engine = make_engine()
    samples: list[MetricSample] = []
    engine.bus.subscribe(lambda ev: samples.append(ev) if isinstance(ev, MetricSample) else None)
    build_id = engine.submit(project.slug, run_tests=True, push_registry="local")
    record = engine.wait(build_id, timeout=BUILD_CEILING_S)
    assert record.status == "completed", record.error_message
    repo = image_names.repository(store.url, "acme-corp", "acme-support-bot")
    assert record.image_name == f"{repo}:b{build_id}"
    tag = image_names.push_tag(store.url, build_id)  # b<id>-<store id>: stores never collide
    assert tag == f"b{build_id}-{image_names.store_id(store.url)}"
    assert record.pushed_ref == f"{registry.address}/acme-corp/acme-support-bot:{tag}"
    api = RegistryAPI(registry.address, registry.username, registry.password)
    assert api.manifest_digest("acme-corp/acme-support-bot", tag) == record.digest
    assert set(record.phases) == {"generating", "building", "testing", "pushing"}
    log = list(store.builds.read_log(build_id))
    assert any(line.startswith("test 1/") and "passed" in line for line in log)
    assert any("removed" in line and "test container" in line for line in log)
    assert store.builds.artifacts(build_id), "generated files are kept as artifacts"
    assert (paths.build_logs_dir() / f"{build_id}.log").read_text().splitlines() == log
    leftovers = docker_cli(docker_host, "ps", "-aq", "--filter", f"label=pixel.build-id={build_id}")
    assert leftovers.stdout.strip() == ""
    assert engine.metrics()["builds_total"] == {"completed": 1}
    assert samples and all(s.build_id == build_id for s in samples)
    assert samples[0].memory_bytes > 0


def test_wrong_password_fails_unauthorized_and_no_secret_leaks_anywhere(
    store: Any, make_engine, registry, secret_service: object, pixel_home: Path, docker_host: str
) -> None:
    project_secret = f"projsecret-{uuid.uuid4().hex}"
    registry_password = f"regsecret-{uuid.uuid4().hex}"
    spec = sample_spec(
        **{
            "deployment.secret_env": ["PIXEL_TEST_SECRET"],
            "slug": "secret-bot",
            "name": "Secret Bot",
        }
    )
    project = store.projects.create(spec)
    store.registries.add("badpw", registry.address, username=registry.username)
    secrets = SecretStore()
    secrets.set_project_secret(project, "PIXEL_TEST_SECRET", project_secret)
    secrets.set_registry_password("badpw", registry.username, registry_password)
    try:
        engine = make_engine()
        build_id = engine.submit(project.slug, run_tests=True, push_registry="badpw")
        record = engine.wait(build_id, timeout=BUILD_CEILING_S)
    finally:
        secrets.delete_project_secret(project, "PIXEL_TEST_SECRET")
        secrets.delete_registry_password("badpw", registry.username)
    assert record.status == "failed"
    assert "unauthorized" in (record.error_message or "").lower()
    assert record.pushed_ref is None and record.digest is None
    assert "testing" in record.phases  # the container ran with the secret env

    image = record.image_name
    haystacks = {
        "docker history": docker_cli(docker_host, "history", "--no-trunc", image).stdout,
        "docker inspect": docker_cli(docker_host, "inspect", image).stdout,
        "stored log": "\n".join(store.builds.read_log(build_id)),
        "log file": (paths.build_logs_dir() / f"{build_id}.log").read_text(),
        "error": record.error_message or "",
    }
    db_bytes = b"".join(p.read_bytes() for p in pixel_home.glob("pixel.db*"))
    with sqlite3.connect(paths.database_file()) as conn:
        haystacks["db dump"] = "\n".join(conn.iterdump())
    context = paths.workspaces_dir() / f"build-{build_id}"
    assert context.is_dir()
    context_bytes = b"".join(p.read_bytes() for p in context.rglob("*") if p.is_file())
    for secret in (project_secret, registry_password):
        for where, text in haystacks.items():
            assert secret not in text, f"secret found in {where}"
        assert secret.encode() not in db_bytes
        assert secret.encode() not in context_bytes


def test_cancel_during_a_long_run_step_is_cancelled_within_5s_with_no_containers(
    store: Any, make_engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, docker_host: str
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(paths.templates_root(), templates)
    dockerfile = templates / "_common" / "Dockerfile.j2"
    marker = f"pixel-long-step-{uuid.uuid4().hex[:8]}"
    text = dockerfile.read_text().replace(
        "WORKDIR /app", f"RUN echo {marker} && sleep 120\n\nWORKDIR /app", 1
    )
    assert marker in text
    dockerfile.write_text(text)
    monkeypatch.setenv("PIXEL_TEMPLATES_DIR", str(templates))
    project = store.projects.create(sample_spec(slug="slow-bot", name="Slow Bot"))
    engine = make_engine()
    step_running = threading.Event()
    engine.bus.subscribe(
        lambda ev: step_running.set() if getattr(ev, "text", None) == marker else None
    )
    build_id = engine.submit(project.slug, run_tests=False)
    assert step_running.wait(BUILD_CEILING_S), "the long RUN step never started"
    t0 = time.monotonic()
    assert engine.cancel(build_id)
    record = engine.wait(build_id, timeout=30)
    assert time.monotonic() - t0 < 5
    assert record.status == "cancelled"
    deadline = time.monotonic() + 5
    while True:
        ps = docker_cli(
            docker_host, "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"
        ).stdout
        if marker not in ps or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert marker not in ps, "the cancelled build left its RUN container behind"


def test_four_builds_with_concurrency_two_never_run_more_than_two_and_all_complete(
    store: Any, make_engine
) -> None:
    slugs = []
    for i in range(4):
        spec = sample_spec(slug=f"queue-bot-{i}", name=f"Queue Bot {i}")
        slugs.append(store.projects.create(spec).slug)
    engine = make_engine(concurrency=2)
    lock = threading.Lock()
    running: set[int] = set()
    peak = [0]

    def on_event(ev: object) -> None:
        if isinstance(ev, PhaseChanged):
            with lock:
                if ev.phase in RUNNING:
                    running.add(ev.build_id)
                else:
                    running.discard(ev.build_id)
                peak[0] = max(peak[0], len(running))

    engine.bus.subscribe(on_event)
    ids = [engine.submit(slug, run_tests=False) for slug in slugs]
    records = [engine.wait(i, timeout=BUILD_CEILING_S) for i in ids]
    assert [r.status for r in records] == ["completed"] * 4, [r.error_message for r in records]
    assert peak[0] <= 2
    assert peak[0] == 2  # the queue really ran two at once


def test_prompt_only_change_rebuilds_only_the_data_layer(
    store: Any, make_engine, docker_host: str
) -> None:
    first_spec = sample_spec(slug="cache-bot", name="Cache Bot")
    project = store.projects.create(first_spec)
    engine = make_engine()
    first = engine.wait(engine.submit(project.slug, run_tests=False), timeout=BUILD_CEILING_S)
    assert first.status == "completed", first.error_message
    changed = sample_spec(
        slug="cache-bot",
        name="Cache Bot",
        **{"personality.system_prompt": f"You are terse. {uuid.uuid4().hex}"},
    )
    store.projects.update(project.slug, changed, expected_version=project.version)
    second_id = engine.submit(project.slug, run_tests=False)
    second = engine.wait(second_id, timeout=BUILD_CEILING_S)
    assert second.status == "completed", second.error_message
    log = list(store.builds.read_log(second_id))

    def step_followed_by_cache(prefix: str) -> bool:
        """Whether the engine said "Using cache" for the step: anywhere before the next step,
        since other lines (a progress or phase line) can come between."""
        for i, line in enumerate(log):
            if line.startswith("Step ") and f" : {prefix}" in line:
                rest = log[i + 1 :]
                ends = next((j for j, t in enumerate(rest) if t.startswith("Step ")), len(rest))
                return any(t.strip() == "---> Using cache" for t in rest[:ends])
        raise AssertionError(f"no step {prefix!r} in the log")

    assert step_followed_by_cache("RUN python3 -m venv")  # dependency layer reused
    assert step_followed_by_cache("COPY main.py")  # service code reused
    assert step_followed_by_cache("COPY assistant_data/knowledge.json")  # same FAQ and documents
    assert step_followed_by_cache('RUN ["python", "-m", "assistant.vectors"]')  # index not recomputed
    assert step_followed_by_cache("USER ") and step_followed_by_cache("CMD ")  # run-time settings too
    assert not step_followed_by_cache("COPY assistant_data/assistant.json")  # only the data is rebuilt
    assert second.image_id != first.image_id
    history = docker_cli(docker_host, "history", "-q", "--no-trunc", second.image_id).stdout.split()
    first_history = docker_cli(
        docker_host, "history", "-q", "--no-trunc", first.image_id
    ).stdout.split()
    shared = set(history) & set(first_history) - {"<missing>"}
    assert len(shared) == len(first_history) - 1  # all but the data layer, the last step


def _offline_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreachable index and no local wheel sources: any real download must fail."""
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "5")
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)


def test_warm_wheelhouse_builds_with_the_index_unreachable_and_cold_fails_clearly(
    store: Any, make_engine, monkeypatch: pytest.MonkeyPatch, pixel_home: Path
) -> None:
    project = store.projects.create(sample_spec(slug="offline-bot", name="Offline Bot"))
    engine = make_engine()
    warm = engine.wait(engine.submit(project.slug, run_tests=False), timeout=BUILD_CEILING_S)
    assert warm.status == "completed", warm.error_message

    _offline_pip(monkeypatch)
    offline = engine.wait(engine.submit(project.slug, run_tests=True), timeout=BUILD_CEILING_S)
    assert offline.status == "completed", offline.error_message

    for cache in (paths.wheelhouse_dir()).iterdir():
        if cache.is_dir():
            shutil.rmtree(cache)
    cold = engine.wait(engine.submit(project.slug, run_tests=False), timeout=BUILD_CEILING_S)
    assert cold.status == "failed"
    assert "cannot be reached" in (cold.error_message or "")
    assert not any(p.is_dir() for p in paths.wheelhouse_dir().iterdir()), "half cache left"
