"""Team mode's real pieces for the team tests (tests/integration/jobs, the GUI's team view,
`pixel serve` in team mode): a private redis-server per test (so queues,
pub/sub channels and restarts never cross tests), a fresh PostgreSQL database, `pixel
worker` subprocesses with their own PIXEL_HOME and names, and tiny lexical projects."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from services import require_redis, unavailable

from pixel_desktop import paths
from pixel_desktop.spec import dump_spec, load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

PIXEL = [sys.executable, "-m", "pixel_desktop.cli.main"]


def _free_port() -> int:  # also used by the tests here
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server of this test, append-only and fsynced like the test service."""

    data_dir: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", "always",
                "--save", "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    require_redis()  # the test service is up: redis-server is installed and works
    if shutil.which("redis-server") is None:
        unavailable("Redis", "redis-server is not on PATH")
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def team_store_url(pg_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    name = f"pixel_team_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def team_env(
    team_store_url: str, redis_server: RedisServer, docker_host: str, base_image: str
) -> dict[str, str]:
    return {
        "PIXEL_STORE_URL": team_store_url,
        "PIXEL_BROKER_URL": redis_server.url,
        "DOCKER_HOST": docker_host,
        "PIXEL_BASE_IMAGE": base_image,
    }


def pixel(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PIXEL, *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **env},
    )


@dataclass
class Worker:
    name: str
    home: Path
    proc: subprocess.Popen[str]
    log: Path

    @property
    def node(self) -> str:
        return f"{self.name}@{socket.gethostname()}" if "@" not in self.name else self.name

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(
    tmp_path: Path, team_env: dict[str, str], redis_server: RedisServer
) -> Iterator[Callable[..., Worker]]:
    """Start `pixel worker --name NAME` with its own PIXEL_HOME; returns once it announced
    itself in Redis (ready to take builds)."""
    import redis

    workers: list[Worker] = []

    def start(name: str, *extra: str, command: Sequence[str] = PIXEL, env: Mapping[str, str] | None = None) -> Worker:
        """``command``/``env``: another `pixel` (the frozen bundle's) and its environment."""
        home = tmp_path / f"home-{name}"
        home.mkdir(exist_ok=True)
        log = tmp_path / f"worker-{name}.log"
        proc = subprocess.Popen(
            [*command, "worker", "--name", name, *extra],
            env={**(os.environ if env is None else env), **team_env, "PIXEL_HOME": str(home)},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        worker = Worker(name, home, proc, log)
        workers.append(worker)
        client = redis.Redis.from_url(redis_server.url)
        deadline = time.monotonic() + 60
        while not client.exists(f"pixel:worker:{worker.node}"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {name} did not start:\n{log.read_text()}")
            time.sleep(0.2)
        time.sleep(1.0)  # the consumer is set up just after the first announcement
        return worker

    yield start
    for worker in workers:
        worker.stop()


def lexical_project(
    tmp_path: Path, env: dict[str, str], slug: str, tests: list[dict[str, object]] | None = None
) -> str:
    """Import a tiny lexical project (the fastest image to build) under ``slug``; ``tests``
    replaces the sample's conversation tests (written for semantic retrieval)."""
    data = spec_to_data(load_spec_file(paths.sample_spec_file()))
    data.update(slug=slug, name=f"Team {slug}", retrieval="lexical")
    if tests is not None:
        data["tests"] = tests
    file = tmp_path / f"{slug}.yaml"
    file.write_text(dump_spec(spec_from_data(data)), encoding="utf-8")
    result = pixel("projects", "import", str(file), env=env)
    assert result.returncode == 0, result.stderr
    return slug


@contextlib.contextmanager
def team_app(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The test process as the submitting desktop (an App in team mode)."""
    from pixel_desktop.app import App

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = App()
    try:
        yield app
    finally:
        app.close()
