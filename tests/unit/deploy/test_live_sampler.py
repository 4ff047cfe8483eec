"""The deploy chart's sampler keeps one connection between samples and reconnects after a
failure (before, every 2 s tick opened a new Docker connection: an SSH handshake each time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pixel_desktop.deploy import DeployService
from pixel_desktop.errors import DockerUnavailableError
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class _Container:
    id: str
    state: str = "running"


class FakeDaemon:
    """A target daemon whose ``stats_once`` fails when told to (a dropped SSH link)."""

    def __init__(self, fail_next: list[bool]) -> None:
        self.fail_next = fail_next
        self.closed = False

    def list_containers(self, labels: dict[str, str]) -> list[_Container]:
        return [_Container("c1")]

    def stats_once(self, cid: str) -> tuple[float, int, int]:
        if self.fail_next and self.fail_next.pop(0):
            raise DockerUnavailableError("Cannot reach the Docker daemon at ssh://ops@box.")
        return 2.5, 50 * 1_048_576, 0

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def store():
    st = Store.open()
    yield st
    st.close()


def test_samples_share_one_connection_and_a_failure_reconnects_on_the_next_sample(store: Store) -> None:
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["slug"] = "acme"
    store.projects.create(spec_from_data(data))
    store.targets.add("box", "ssh://ops@box.example", "docker")
    script = [False, False, True, False]
    daemons: list[FakeDaemon] = []

    def connect(host: str, name: str | None) -> FakeDaemon:
        daemons.append(FakeDaemon(script))
        return daemons[-1]

    service = DeployService(
        store, Settings(), connect=connect, local_host="unix:///fake.sock", http_get=lambda url, t: 200
    )
    with service.sampler("acme", "box") as sampler:
        first, second = sampler.sample(), sampler.sample()
        assert len(daemons) == 1, "two samples, one connection"
        assert first.healthy and second.memory_bytes == 50 * 1_048_576
        with pytest.raises(DockerUnavailableError):
            sampler.sample()
        assert daemons[0].closed, "a failed sample drops the broken connection"
        assert sampler.sample().cpu_percent == 2.5
        assert len(daemons) == 2 and sampler.connections == 2
    assert daemons[1].closed, "closing the sampler closes its connection"
