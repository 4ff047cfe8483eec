"""`pixel deployments cancel ID`: a running deploy or rollback gets the cancel request its
process polls (the runner side: tests/unit/jobs/test_job_runner.py); an ended one is
refused with its status, an unknown one named."""

from __future__ import annotations

import pytest

from pixel_desktop import paths
from pixel_desktop.app import App
from pixel_desktop.cli.main import main
from pixel_desktop.events import JobRef
from pixel_desktop.jobs.local import cancel_requested
from pixel_desktop.spec import load_spec_file


def _deployment(status: str) -> int:
    app = App(create_store=True)
    try:
        project = app.projects.create(load_spec_file(paths.sample_spec_file()))
        return app.context.store.deployments.create(project.id, "box", "img:1", status=status).id
    finally:
        app.close()


def test_a_running_deployment_gets_a_cancel_request(capsys: pytest.CaptureFixture[str]) -> None:
    deployment_id = _deployment("deploying")

    assert main(["deployments", "cancel", str(deployment_id)]) == 0

    assert f"Cancel requested for deployment {deployment_id}" in capsys.readouterr().out
    assert cancel_requested(JobRef("deploy", deployment_id))


def test_an_ended_deployment_is_refused_with_its_status(capsys: pytest.CaptureFixture[str]) -> None:
    deployment_id = _deployment("healthy")

    assert main(["deployments", "cancel", str(deployment_id)]) == 2

    assert "already finished (healthy)" in capsys.readouterr().err
    assert not cancel_requested(JobRef("deploy", deployment_id))


def test_an_unknown_deployment_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    _deployment("healthy")

    assert main(["deployments", "cancel", "999"]) != 0

    assert "999" in capsys.readouterr().err
