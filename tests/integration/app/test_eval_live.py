"""`pixel eval` against a real image built by the engine on the test daemon.

One build of the sample project per module (the engine, the base image and the layer cache
are the same as the pipeline tests'), then: the CLI's report and JSON, Ctrl+C in the middle
of the questions, and a container that never becomes healthy. Every test ends by checking
the daemon: no eval container of the build is left behind.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from services import docker_cli

from pixel_desktop import paths
from pixel_desktop.app.eval import Evaluator
from pixel_desktop.errors import BuildError
from pixel_desktop.jobs.local import BuildEngine
from pixel_desktop.settings import Settings
from pixel_desktop.spec import load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data
from pixel_desktop.store import Store

pytestmark = [pytest.mark.docker, pytest.mark.slow]
PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]
BUILD_CEILING_S = 600
SLUG = "acme-support-bot"


@dataclass(frozen=True)
class Built:
    store_url: str
    build_id: int
    image: str
    image_id: str
    faq: list[str]  # the sample's FAQ questions


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, docker_host: str, base_image: str
) -> Iterator[Built]:
    """The sample project, built by the engine (once per module).

    Without the build's conversation tests: they judge the assistant's retrieval, while these
    tests need an image of it whatever its answers (exact FAQ questions are asked below).
    """
    home = tmp_path_factory.mktemp("eval-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIXEL_HOME", str(home))
        url = paths.default_store_url()
        store = Store.open(url)
        try:
            spec = load_spec_file(paths.sample_spec_file())
            project = store.projects.create(spec)
            engine = BuildEngine(store, Settings(docker_host=docker_host, base_image=base_image))
            try:
                build_id = engine.submit(project.slug, run_tests=False)
                record = engine.wait(build_id, timeout=BUILD_CEILING_S)
            finally:
                engine.shutdown(timeout=60)
            assert record.status == "completed", record.error_message
        finally:
            store.close()
    yield Built(
        url,
        build_id,
        str(record.image_name),
        str(record.image_id),
        [e.question for e in spec.training_data.faq],
    )


@pytest.fixture
def env(docker_host: str) -> dict[str, str]:
    return {"DOCKER_HOST": docker_host}


def pixel(built: Built, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PIXEL, "--store", built.store_url, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["question", "expected"])
        writer.writerows(rows)
    return path


def eval_containers(docker_host: str, build_id: int) -> list[str]:
    ps = docker_cli(
        docker_host,
        "ps",
        "-aq",
        "--filter",
        "label=pixel.role=eval",
        "--filter",
        f"label=pixel.build-id={build_id}",
    )
    return ps.stdout.split()


def test_cli_reports_accuracy_misses_and_latency_and_removes_the_container(
    built: Built, env: dict[str, str], tmp_path: Path, docker_host: str
) -> None:
    reset, email, pay = built.faq[0], built.faq[1], built.faq[12]
    path = write_csv(
        tmp_path / "questions.csv",
        [
            (reset, reset),
            (email, email),
            ("Can I get a quote for the premium plan?", "rule:pricing"),
            (pay, reset),  # deliberately wrong: answered by its own entry
        ],
    )
    result = pixel(built, env, "eval", SLUG, str(path), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert (data["build_id"], data["image"], data["checked_against"]) == (
        built.build_id,
        built.image,
        "build",
    )
    assert (data["questions"], data["correct"]) == (4, 3)
    assert data["accuracy"] == 0.75 and data["fallbacks"] == 0
    assert [(w["question"], w["expected"], w["got"]) for w in data["wrong"]] == [(pay, reset, pay)]
    assert isinstance(data["wrong"][0]["score"], float)
    assert 0 < data["latency_ms"]["p50"] <= data["latency_ms"]["p99"] < 5_000
    assert "Waiting for the health endpoint" in result.stderr
    assert eval_containers(docker_host, built.build_id) == []

    text = pixel(built, env, "eval", SLUG, str(path), "--build", str(built.build_id))
    assert text.returncode == 0, text.stderr[-3000:]
    assert "accuracy        75.0%  (3/4)" in text.stdout
    assert "fallback rate    0.0%  (0/4)" in text.stdout
    assert "Wrong answers (1):" in text.stdout and pay in text.stdout
    assert "p50 " in text.stdout and "p99 " in text.stdout
    assert eval_containers(docker_host, built.build_id) == []


def test_compare_asks_both_builds_the_same_questions_and_lists_what_changed(
    built: Built, env: dict[str, str], tmp_path: Path, docker_host: str
) -> None:
    """A second build of the same image (one whose conversation tests failed after the image
    was made): both containers run in turn, the same answers mean nothing changed."""
    with Store.open(built.store_url) as store:
        project = store.projects.get(SLUG)
        other = store.builds.create(project.id)
        store.builds.add_artifacts(
            other.id, [(a.path, a.content, a.role) for a in store.builds.artifacts(built.build_id)]
        )
        store.builds.set_status(
            other.id, "failed", image_name=built.image, image_id=built.image_id,
            error_message="conversation tests failed",
        )
    reset, pay = built.faq[0], built.faq[12]
    path = write_csv(tmp_path / "questions.csv", [(reset, reset), (pay, reset)])

    result = pixel(built, env, "eval", SLUG, str(path), "--compare", str(other.id), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert (data["build_id"], data["compared_with"]["build_id"]) == (built.build_id, other.id)
    assert data["correct"] == data["compared_with"]["correct"] == 1
    assert data["newly_wrong"] == [] and data["newly_right"] == []
    assert f"Build {other.id}: Waiting for the health endpoint" in result.stderr
    assert f"Build {built.build_id}: Waiting for the health endpoint" in result.stderr

    text = pixel(built, env, "eval", SLUG, str(path), "--compare", str(other.id))
    assert text.returncode == 0, text.stderr[-3000:]
    assert f"Compared with build {other.id}: accuracy 50.0% -> 50.0% (+0.0 points)" in text.stdout
    assert "Newly wrong: none." in text.stdout and "Newly right: none." in text.stdout
    assert eval_containers(docker_host, built.build_id) == [] == eval_containers(docker_host, other.id)


def test_ctrl_c_while_asking_removes_the_container(
    built: Built, env: dict[str, str], tmp_path: Path, docker_host: str
) -> None:
    rows = [(f"{built.faq[i % len(built.faq)]} ({i})", built.faq[0]) for i in range(20_000)]
    path = write_csv(tmp_path / "many.csv", rows)
    proc = subprocess.Popen(
        [*PIXEL, "--store", built.store_url, "eval", SLUG, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    asking = threading.Event()
    err: list[str] = []

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err.append(line)
            if line.startswith("Asking questions"):
                asking.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    assert asking.wait(120), "".join(err)[-2000:]
    time.sleep(0.5)
    assert len(eval_containers(docker_host, built.build_id)) == 1
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    reader.join(timeout=5)
    assert "interrupted" in "".join(err)
    assert eval_containers(docker_host, built.build_id) == []


def test_a_container_that_never_gets_healthy_fails_with_its_log_and_is_removed(
    built: Built, tmp_path: Path, docker_host: str
) -> None:
    """Another project runs the same image with MAX_MESSAGE_CHARS=0, which the service refuses
    at start-up (its runtime settings are range-checked)."""
    store = Store.open(built.store_url)
    try:
        source = store.projects.get(SLUG)
        data = spec_to_data(source.spec)
        data.update(slug="broken-settings-bot", name="Broken Settings Bot")
        data["deployment"]["env_vars"] = {"MAX_MESSAGE_CHARS": "0"}
        project = store.projects.create(spec_from_data(data))
        build = store.builds.create(project.id)
        artifacts = store.builds.artifacts(built.build_id)
        store.builds.add_artifacts(build.id, [(a.path, a.content, a.role) for a in artifacts])
        store.builds.set_status(
            build.id, "completed", image_name=built.image, image_id=built.image_id
        )
        evaluator = Evaluator(store, Settings(docker_host=docker_host, health_timeout_s=30))
        path = write_csv(tmp_path / "q.csv", [("hello", "fallback")])
        started = time.monotonic()
        with pytest.raises(BuildError) as info:
            evaluator.evaluate(project.slug, path)
    finally:
        store.close()
    message = str(info.value)
    assert "exited before becoming healthy" in message
    assert "MAX_MESSAGE_CHARS=0" in message  # the service's own last log line
    assert time.monotonic() - started < 25
    assert eval_containers(docker_host, build.id) == []


def test_the_evaluate_tab_runs_the_real_image_and_shows_the_miss(
    qtbot: Any, built: Built, tmp_path: Path, docker_host: str
) -> None:
    from pixel_desktop.gui.eval_format import Column
    from pixel_desktop.gui.eval_tab import EvalTab
    from pixel_desktop.gui.services import Services
    from pixel_desktop.gui.tasks import TaskRunner

    services = Services(store_url=built.store_url, settings=Settings(docker_host=docker_host))
    try:
        tab = EvalTab(services, TaskRunner())
        qtbot.addWidget(tab)
        tab.set_project(SLUG)
        reset, pay = built.faq[0], built.faq[12]
        tab.load_csv(write_csv(tmp_path / "gui.csv", [(reset, reset), (pay, reset)]))
        qtbot.waitUntil(tab.ready_for_screenshot, timeout=30_000)
        assert tab.build_id == built.build_id and tab.run_button.isEnabled()
        tab.run_button.click()
        qtbot.waitUntil(lambda: not tab.running, timeout=120_000)
        assert tab.report is not None, tab.status_label.text()
        assert tab.accuracy_value.text() == "50.0%  (1/2)"
        model = tab.table.model()
        assert model.rowCount() == 1
        assert [model.text(0, c) for c in (Column.EXPECTED, Column.GOT)] == [reset, pay]
        assert eval_containers(docker_host, built.build_id) == []
    finally:
        services.close()


def test_the_evaluate_screenshot_runs_the_csv_and_writes_the_picture(
    built: Built, tmp_path: Path, env: dict[str, str], docker_host: str
) -> None:
    out = tmp_path / "evaluate.png"
    rows = [(built.faq[0], built.faq[0]), ("zzz qqq", "fallback")]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pixel_desktop.gui.app",
            "--store",
            built.store_url,
            "--screenshot",
            str(out),
            "--project",
            SLUG,
            "--eval-csv",
            str(write_csv(tmp_path / "shot.csv", rows)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **env, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.stat().st_size > 10_000
    assert eval_containers(docker_host, built.build_id) == []
