"""Settings: the current ones, saving new ones, and checking a store or Docker host first.

Why a use case: the Settings dialog's "Test" buttons and ``pixel db info`` describe the same
store the same way, and a saved change reaches every use case of the running app at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pixel_desktop import settings as settings_mod
from pixel_desktop.app.context import AppContext, open_store
from pixel_desktop.errors import PixelError


@dataclass(frozen=True, slots=True)
class DaemonState:
    ok: bool
    text: str  # "Docker 27.5.1 · linux/x86_64 · unix:///var/run/docker.sock" or the reason


class SettingsUseCases:
    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    @property
    def current(self) -> settings_mod.Settings:
        return self._ctx.settings

    def save(self, new: settings_mod.Settings) -> None:
        """Write the settings and update the running app's settings object in place: the job
        runner and build pipeline hold that object, so a new Docker host, base image or
        timeout reaches the next build without a restart."""
        settings_mod.save(new)
        current = self._ctx.settings
        if current is new:
            return
        for field in type(new).model_fields:
            setattr(current, field, getattr(new, field))

    def describe_store(self) -> str:
        return self._ctx.store.describe()

    def test_store_url(self, url: str, *, create: bool = True) -> str:
        """Open (and migrate) the store at ``url`` by the same rules as every store; its
        description proves it works."""
        store = open_store(url, create=create)
        try:
            store.projects.count()
            return store.describe()
        finally:
            store.close()

    def daemon_state(self, host: str | None = None) -> DaemonState:
        """Whether the Docker daemon answers (never raises: the answer is the state)."""
        from pixel_desktop.docker.client import DockerClient

        try:
            with DockerClient(host or self._ctx.settings.effective_docker_host()) as docker:
                info = docker.ping()
        except PixelError as exc:
            return DaemonState(False, str(exc))
        return DaemonState(True, f"Docker {info.version} · {info.os}/{info.arch} · {info.host}")
