"""The build status API over an App with a fake runner: the token guards every route but
/health, the app layer's errors keep their message and status, builds are triggered with
their options, and the metrics follow the builds' events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_fakes import SLUG, TOKEN, FakeRunner, fake_app

from pixel_desktop.app import App
from pixel_desktop.errors import BuildError, InputError, PixelError, SecretStoreError
from pixel_desktop.server import create_app

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, App, list[FakeRunner]]]:
    app, runners = fake_app(tmp_path)
    try:
        with TestClient(create_app(app, TOKEN, poll_s=0.05)) as client:
            yield client, app, runners
    finally:
        app.close()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in:\n{text}")


def test_health_answers_without_a_token(served) -> None:
    client, _, _ = served
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", f"/builds/trigger/{SLUG}"),
        ("get", "/builds/status/1"),
        ("get", "/builds"),
        ("get", "/metrics"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
def test_every_route_but_health_refuses_a_missing_or_wrong_token(
    served, method: str, path: str, headers: dict[str, str]
) -> None:
    client, _, runners = served
    answer = client.request(method, path, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert runners == [] or runners[0].submitted == []  # nothing was triggered


def test_the_token_in_the_query_string_is_refused_for_http_calls(served) -> None:
    client, _, _ = served
    assert client.get("/builds", params={"token": TOKEN}).status_code == 401


def test_trigger_queues_a_build_with_its_options(served) -> None:
    client, app, runners = served
    answer = client.post(
        f"/builds/trigger/{SLUG}", headers=AUTH, json={"no_cache": True, "run_tests": False}
    )
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "queued"
    assert app.builds.get(body["id"]).status == "queued"
    assert runners[0].submitted == [
        {"slug": SLUG, "run_tests": False, "push_registry": None, "no_cache": True}
    ]


def test_trigger_without_a_body_uses_the_defaults(served) -> None:
    client, _, runners = served
    assert client.post(f"/builds/trigger/{SLUG}", headers=AUTH).status_code == 202
    assert runners[0].submitted == [
        {"slug": SLUG, "run_tests": True, "push_registry": None, "no_cache": False}
    ]


def test_an_unknown_project_is_404_with_the_app_layers_message(served) -> None:
    client, _, _ = served
    answer = client.post("/builds/trigger/no-such-project", headers=AUTH)
    assert answer.status_code == 404
    assert "no-such-project" in answer.json()["detail"]


def test_an_unknown_push_registry_is_404_and_queues_nothing(served) -> None:
    client, app, _ = served
    answer = client.post(
        f"/builds/trigger/{SLUG}", headers=AUTH, json={"push_registry": "nowhere"}
    )
    assert answer.status_code == 404
    assert "nowhere" in answer.json()["detail"]
    assert app.builds.list() == []


@pytest.mark.parametrize("body", [{"push": "x"}, {"no_cache": "sometimes"}, [1, 2]])
def test_a_bad_trigger_body_is_422(served, body: object) -> None:
    client, app, _ = served
    answer = client.post(f"/builds/trigger/{SLUG}", headers=AUTH, json=body)
    assert answer.status_code == 422
    assert app.builds.list() == []


def test_an_unknown_build_is_404_with_the_app_layers_message(served) -> None:
    client, _, _ = served
    answer = client.get("/builds/status/4242", headers=AUTH)
    assert answer.status_code == 404
    assert "4242" in answer.json()["detail"]


def test_a_build_id_that_is_not_a_number_is_422(served) -> None:
    client, _, _ = served
    assert client.get("/builds/status/abc", headers=AUTH).status_code == 422


def test_status_shows_the_record_times_logs_runner_image_and_digest(served) -> None:
    client, app, runners = served
    build_id = client.post(f"/builds/trigger/{SLUG}", headers=AUTH).json()["id"]
    runners[0].run(build_id, ts=100.0)
    runners[0].finish(build_id, "completed", ts=112.5)
    app.context.store.builds.append_log(build_id, ["line one", "line two"])
    body = client.get(f"/builds/status/{build_id}", headers=AUTH).json()
    assert body["id"] == build_id
    assert body["project"] == SLUG
    assert body["status"] == "completed"
    for key in ("created_at", "started_at", "completed_at", "duration_s", "runner", "image", "digest"):
        assert key in body
    assert body["completed_at"] is not None
    assert body["logs"][-2:] == ["line one", "line two"]
    tail = client.get(f"/builds/status/{build_id}", headers=AUTH, params={"tail": 1}).json()
    assert tail["logs"] == ["line two"]


def test_builds_lists_recent_builds_and_filters_by_project(served) -> None:
    client, _, _ = served
    first = client.post(f"/builds/trigger/{SLUG}", headers=AUTH).json()["id"]
    second = client.post(f"/builds/trigger/{SLUG}", headers=AUTH).json()["id"]
    listed = client.get("/builds", headers=AUTH).json()
    assert [b["id"] for b in listed] == [second, first]
    assert [b["id"] for b in client.get("/builds", headers=AUTH, params={"slug": SLUG}).json()] == [
        second,
        first,
    ]
    assert len(client.get("/builds", headers=AUTH, params={"limit": 1}).json()) == 1
    unknown = client.get("/builds", headers=AUTH, params={"slug": "no-such-project"})
    assert unknown.status_code == 404


def test_metrics_have_the_three_seed_names_and_follow_the_builds(served) -> None:
    client, _, runners = served
    text = client.get("/metrics", headers=AUTH).text
    assert "# TYPE builds_total counter" in text
    assert "# TYPE build_duration_seconds histogram" in text
    assert "# TYPE active_builds gauge" in text
    assert _metric(text, "active_builds") == 0

    build_id = client.post(f"/builds/trigger/{SLUG}", headers=AUTH).json()["id"]
    runners[0].run(build_id, ts=100.0)
    text = client.get("/metrics", headers=AUTH).text
    assert _metric(text, "active_builds") == 1
    assert _metric(text, "build_duration_seconds_count") == 0

    runners[0].finish(build_id, "completed", ts=112.5)
    text = client.get("/metrics", headers=AUTH).text
    assert _metric(text, "active_builds") == 0
    assert _metric(text, 'builds_total{status="completed"}') == 1
    assert _metric(text, "build_duration_seconds_count") == 1
    assert _metric(text, "build_duration_seconds_sum") == pytest.approx(12.5)
    assert _metric(text, 'build_duration_seconds_bucket{le="15.0"}') == 1


def test_a_build_cancelled_while_queued_counts_without_a_duration(served) -> None:
    client, _, runners = served
    build_id = client.post(f"/builds/trigger/{SLUG}", headers=AUTH).json()["id"]
    runners[0].finish(build_id, "cancelled", ts=5.0)
    text = client.get("/metrics", headers=AUTH).text
    assert _metric(text, 'builds_total{status="cancelled"}') == 1
    assert _metric(text, "build_duration_seconds_count") == 0
    assert _metric(text, "active_builds") == 0


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("The build engine is shutting down.", hint="Submit again."), 400),
        (SecretStoreError("No usable OS keyring was found."), 503),
        (BuildError("The daemon said no."), 500),
    ],
)
def test_the_app_layers_errors_keep_their_sentence_and_map_to_a_status(
    served, monkeypatch: pytest.MonkeyPatch, error: PixelError, code: int
) -> None:
    client, app, _ = served

    def refuse(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(app.builds, "submit", refuse)
    answer = client.post(f"/builds/trigger/{SLUG}", headers=AUTH)
    assert answer.status_code == code
    assert answer.json()["detail"] == error.message
    if error.hint:
        assert answer.json()["hint"] == error.hint
