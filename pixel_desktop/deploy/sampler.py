"""Live samples of one deployment over one kept Docker connection (the GUI's deploy chart).

Why: the chart samples every 2 s for as long as the tab is open. Opening a connection per
sample meant an SSH handshake (or a TLS one) every 2 s to a remote target. A ``LiveSampler``
connects on its first sample and keeps the client; a failed sample closes it, so the next
one reconnects (a restarted daemon, a dropped SSH link) instead of failing forever.
Not thread-safe: one caller samples at a time (the GUI keeps one sample in flight).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pixel_desktop.deploy import health
from pixel_desktop.deploy.events import DeploySample
from pixel_desktop.store.records import ProjectRecord, TargetRecord


class SampledClient(health.Sampled, Protocol):
    def close(self) -> None: ...


class LiveSampler:
    def __init__(
        self,
        connect: Callable[[], SampledClient],
        project: ProjectRecord,
        target: TargetRecord,
        http_get: health.HttpGet,
    ) -> None:
        self._connect = connect
        self.project = project
        self.target = target
        self._http_get = http_get
        self._client: SampledClient | None = None
        self.connections = 0  # opened so far: one while the target keeps answering

    def sample(self) -> DeploySample:
        if self._client is None:
            self._client = self._connect()
            self.connections += 1
        try:
            return health.sample(self._client, self.project, self.target, self._http_get)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> LiveSampler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
