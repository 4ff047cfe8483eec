"""Build use cases that need no Docker: input rules, listing, counts without a running queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.app import App
from pixel_desktop.errors import InputError, NotFoundError

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


@pytest.mark.parametrize("build_id", [0, -3])
def test_cancel_refuses_an_id_that_cannot_be_a_build(app: App, build_id: int) -> None:
    with pytest.raises(InputError) as err:
        app.builds.cancel(build_id)
    assert "positive integers" in str(err.value)


def test_cancelling_a_finished_build_says_there_is_nothing_to_cancel(app: App) -> None:
    project = app.projects.import_file(SAMPLE)
    build = app.context.store.builds.create(project.id)
    app.context.store.builds.set_status(build.id, "failed", error_message="x")
    with pytest.raises(InputError) as err:
        app.builds.cancel(build.id)
    assert "already finished" in str(err.value)


def test_listing_the_builds_of_an_unknown_project_names_it(app: App) -> None:
    with pytest.raises(NotFoundError):
        app.builds.list("no-such-bot")


def test_counts_come_from_the_store_while_no_queue_runs_here(app: App) -> None:
    project = app.projects.import_file(SAMPLE)
    store = app.context.store
    queued = store.builds.create(project.id)
    running = store.builds.create(project.id)
    store.builds.set_status(running.id, "building")
    assert queued.status == "queued"
    assert app.builds.counts().as_dict() == {"queued": 1, "running": 1}
    assert app.builds.cancel_here(running.id) is False  # not this process's build
