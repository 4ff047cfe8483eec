"""Typed user settings, persisted as JSON under ``PIXEL_HOME``.

Environment variables win over the file so that CI, tests and one-off CLI runs can point
the app elsewhere without editing anyone's preferences.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pixel_desktop import paths
from pixel_desktop.errors import InputError

DEFAULT_BASE_IMAGE = "python:3.12-slim"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    store_url: str | None = None
    docker_host: str | None = None
    base_image: str | None = None
    build_concurrency: int = Field(default=2, ge=1, le=16)
    build_timeout_s: int = Field(default=1800, ge=30)
    idle_stream_timeout_s: int = Field(default=300, ge=5)
    health_timeout_s: int = Field(default=60, ge=5)
    offer_sample_on_first_run: bool = True

    # --- effective values (env > file > default) -------------------------------------
    def effective_store_url(self) -> str:
        return os.environ.get("PIXEL_STORE_URL") or self.store_url or paths.default_store_url()

    def effective_docker_host(self) -> str | None:
        return os.environ.get("DOCKER_HOST") or self.docker_host or None

    def effective_base_image(self) -> str:
        return os.environ.get("PIXEL_BASE_IMAGE") or self.base_image or DEFAULT_BASE_IMAGE


def load(path: Path | None = None) -> Settings:
    path = path or paths.settings_file()
    if not path.exists():
        return Settings()
    try:
        return Settings.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise InputError(
            f"Settings file {path} is invalid ({exc.__class__.__name__}).",
            hint="Fix or delete it to go back to defaults.",
        ) from exc


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically so a crash never leaves a half-written settings file."""
    path = path or paths.settings_file()
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(settings.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    os.replace(tmp, path)
