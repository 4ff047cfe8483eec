"""Build & Push checks the registry before anything is queued, where the push will run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pixel_desktop.app import App
from pixel_desktop.app.builds import PushRefusedError
from pixel_desktop.events import JobRef
from pixel_desktop.jobs.team.runner import TeamJobRunner
from pixel_desktop.settings import Settings

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


class RecordingRunner:
    def __init__(self) -> None:
        self.submitted: list[dict[str, Any]] = []

    def submit_build(self, slug: str, **kw: Any) -> JobRef:
        self.submitted.append({"slug": slug, **kw})
        return JobRef("build", len(self.submitted))

    def shutdown(self, **kw: Any) -> None:
        pass


class TeamRunner(TeamJobRunner):
    """A TeamJobRunner that records instead of talking to a broker."""

    def __init__(self) -> None:  # no broker, no store
        self.submitted: list[dict[str, Any]] = []

    def submit_build(self, slug: str, **kw: Any) -> JobRef:  # type: ignore[override]
        self.submitted.append({"slug": slug, **kw})
        return JobRef("build", len(self.submitted))

    def shutdown(self, **kw: Any) -> None:  # type: ignore[override]
        pass


def _app(tmp_path: Path, keyring, runner: object) -> App:
    app = App(
        f"sqlite:///{tmp_path / 'pixel.db'}", Settings(), create_store=True,
        secrets=lambda: keyring, runner=lambda ctx, bus: runner,  # type: ignore[arg-type, return-value]
    )
    app.projects.import_file(SAMPLE)
    # A registry whose password never reached the keyring: the check fails without a network.
    app.context.store.registries.add("team-reg", "registry.example:5000", username="ci")
    return app


def test_a_push_whose_registry_check_fails_is_refused_before_queueing(tmp_path, keyring) -> None:
    runner = RecordingRunner()
    app = _app(tmp_path, keyring, runner)
    try:
        with pytest.raises(PushRefusedError) as err:
            app.builds.submit("acme-support-bot", push_registry="team-reg")
        assert err.value.kind == "no_password" and err.value.registry == "team-reg"
        assert str(err.value).startswith("Not building, the push to team-reg would fail: no password")
        assert runner.submitted == []
        app.builds.submit("acme-support-bot")  # without --push there is nothing to check
        assert [s["push_registry"] for s in runner.submitted] == [None]
    finally:
        app.close()


def test_team_builds_push_with_the_workers_keyring_so_this_machine_does_not_pre_check(
    tmp_path, keyring
) -> None:
    runner = TeamRunner()
    app = _app(tmp_path, keyring, runner)
    try:
        app.builds.submit("acme-support-bot", push_registry="team-reg")
        assert [s["push_registry"] for s in runner.submitted] == ["team-reg"]
    finally:
        app.close()
