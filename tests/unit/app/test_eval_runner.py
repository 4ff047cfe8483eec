"""The eval use case on a real SQLite store, with an in-process HTTP server as the "container".

What matters here: bad input is refused before anything starts, expected answers are
checked against the build's own knowledge, every question is asked and scored, and the
container is removed on every path (success, cancel, unhealthy, service gone mid-run).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eval_fakes import (
    FakeGateway,
    NoSecrets,
    add_built_project,
    fallback_reply,
    faq_reply,
    sample_spec,
)

from pixel_desktop import paths
from pixel_desktop.app.eval import FALLBACK, EvalError, EvalProgress, Evaluator
from pixel_desktop.errors import BuildError, CancelledError, InputError, NotFoundError
from pixel_desktop.settings import Settings
from pixel_desktop.spec import spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data
from pixel_desktop.store import Store

RESET = "How do I reset my password?"
PAY = "Which payment methods do you accept?"
SLUG = "acme-support-bot"


@pytest.fixture
def store() -> Iterator[Store]:
    st = Store.open(paths.default_store_url())
    yield st
    st.close()


def csv_file(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "questions.csv"
    lines = ["question,expected"] + [f'"{q}","{e}"' for q, e in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def evaluator(store: Store, gateway: FakeGateway) -> Evaluator:
    return Evaluator(
        store, Settings(health_timeout_s=5), gateway_factory=lambda: gateway, secrets=NoSecrets()
    )


def scripted(replies: dict[str, Any]) -> Any:
    return lambda question: replies[question]()


# --------------------------------------------------------------------------- a full run
def test_every_question_is_asked_scored_and_the_container_removed(
    store: Store, tmp_path: Path
) -> None:
    build = add_built_project(store)
    path = csv_file(
        tmp_path,
        [
            ("i forgot my password", RESET),
            ("what cards do you take", PAY),
            ("can I pay with bitcoin", FALLBACK),
            ("what's the weather", FALLBACK),
        ],
    )
    gateway = FakeGateway(
        scripted(
            {
                "i forgot my password": lambda: faq_reply(RESET, 0.91),
                "what cards do you take": lambda: faq_reply(RESET, 0.55),
                "can I pay with bitcoin": lambda: faq_reply(PAY, 0.6),
                "what's the weather": fallback_reply,
            }
        ),
        exposed_port=8123,
    )
    progress: list[EvalProgress] = []
    report = evaluator(store, gateway).evaluate(
        "acme-support-bot", path, on_progress=progress.append
    )
    assert gateway.asked == [
        "i forgot my password",
        "what cards do you take",
        "can I pay with bitcoin",
        "what's the weather",
    ]
    assert gateway.removed == ["fakecontainer0001"] and gateway.closed
    started = gateway.started[0]
    assert started["image"] == build.image_id  # the image the build made, not its reusable tag
    assert started["port"] == 8123  # the port the image exposes, not a guess
    assert started["labels"] == {"pixel.build-id": str(build.id), "pixel.role": "eval"}
    assert (report.build_id, report.knowledge) == (build.id, "build")
    assert (report.total, report.correct, report.fallbacks) == (4, 2, 1)
    assert [(w.question, w.expected, w.got, w.score) for w in report.wrong] == [
        ("what cards do you take", PAY, RESET, 0.55),
        ("can I pay with bitcoin", FALLBACK, PAY, 0.6),
    ]
    assert report.p50_ms is not None and report.p99_ms is not None
    assert 0 < report.p50_ms <= report.p99_ms
    assert progress[0].stage.startswith("Starting")
    assert [p.done for p in progress if p.stage.startswith("Asking")] == [0, 1, 2, 3]


def test_refused_questions_are_wrong_answers_labelled_with_the_status(
    store: Store, tmp_path: Path
) -> None:
    add_built_project(store)
    path = csv_file(tmp_path, [("x" * 50, RESET)])
    gateway = FakeGateway(lambda _q: (422, {"detail": "message is too long"}))
    report = evaluator(store, gateway).evaluate("acme-support-bot", path)
    assert report.wrong[0].got.startswith("error: HTTP 422")
    assert "too long" in report.wrong[0].got


# --------------------------------------------------------------------------- always removed
def test_cancel_between_questions_stops_and_removes_the_container(
    store: Store, tmp_path: Path
) -> None:
    add_built_project(store)
    path = csv_file(tmp_path, [(f"question {i}", RESET) for i in range(10)])
    cancel = threading.Event()

    def reply(question: str) -> tuple[int, dict[str, Any]]:
        if question == "question 2":
            cancel.set()
        return faq_reply(RESET)

    gateway = FakeGateway(reply)
    with pytest.raises(CancelledError):
        evaluator(store, gateway).evaluate("acme-support-bot", path, cancel=cancel)
    assert gateway.asked == ["question 0", "question 1", "question 2"]
    assert gateway.removed == ["fakecontainer0001"]


def test_an_unhealthy_container_fails_with_its_last_log_lines_and_is_removed(
    store: Store, tmp_path: Path
) -> None:
    add_built_project(store)
    gateway = FakeGateway(lambda _q: faq_reply(RESET), healthy=False)
    with pytest.raises(BuildError) as info:
        evaluator(store, gateway).evaluate("acme-support-bot", csv_file(tmp_path, [("a", RESET)]))
    assert "exited before becoming healthy" in str(info.value)
    assert "ERROR the data file is broken" in str(info.value)
    assert info.value.exit_code == 1
    assert gateway.asked == [] and gateway.removed == ["fakecontainer0001"]


def test_a_service_that_dies_mid_run_fails_naming_the_line_and_is_removed(
    store: Store, tmp_path: Path
) -> None:
    add_built_project(store)
    path = csv_file(tmp_path, [("fine", RESET), ("fatal", RESET)])
    gateway = FakeGateway(lambda q: faq_reply(RESET) if q == "fine" else (0, {}))
    with pytest.raises(EvalError) as info:
        evaluator(store, gateway).evaluate("acme-support-bot", path)
    assert "line 3 of questions.csv" in str(info.value)
    assert "ERROR the data file is broken" in str(info.value)
    assert gateway.removed == ["fakecontainer0001"]


def test_an_image_gone_from_the_daemon_is_bad_input_and_nothing_starts(
    store: Store, tmp_path: Path
) -> None:
    add_built_project(store)
    gateway = FakeGateway(lambda _q: faq_reply(RESET), has_image=False)
    with pytest.raises(InputError) as info:
        evaluator(store, gateway).evaluate("acme-support-bot", csv_file(tmp_path, [("a", RESET)]))
    assert "is no longer on the Docker daemon" in str(info.value)
    assert "pixel build acme-support-bot" in str(info.value)
    assert gateway.started == [] and gateway.closed


# --------------------------------------------------------------------------- prepare
def prepare_error(store: Store, *args: Any, **kwargs: Any) -> InputError:
    gateway = FakeGateway(lambda _q: faq_reply(RESET))
    with pytest.raises(InputError) as info:
        evaluator(store, gateway).prepare(*args, **kwargs)
    assert gateway.started == []
    assert "\n" not in str(info.value)
    return info.value


def test_unknown_expected_names_the_line_the_value_and_how_many_more(
    store: Store, tmp_path: Path
) -> None:
    build = add_built_project(store)
    path = csv_file(
        tmp_path, [("a", RESET), ("b", "How do I reset my PIN?"), ("c", "nope"), ("d", "rule:x")]
    )
    error = prepare_error(store, "acme-support-bot", path)
    assert "line 3: expected 'How do I reset my PIN?'" in str(error)
    assert f"FAQ question of build {build.id}" in str(error)
    assert "2 more line(s)" in str(error)


def test_expected_answers_are_checked_against_the_build_not_later_edits(
    store: Store, tmp_path: Path
) -> None:
    add_built_project(store)
    project = store.projects.get("acme-support-bot")
    data = spec_to_data(project.spec)
    data["training_data"]["faq"].append(
        {"question": "Do you have a shop in Paris?", "answer": "No."}
    )
    store.projects.update(project.slug, spec_from_data(data), project.version)
    path = csv_file(tmp_path, [("any store in paris?", "Do you have a shop in Paris?")])
    assert "not an FAQ question of build" in str(prepare_error(store, "acme-support-bot", path))


def test_unknown_project_wrong_build_and_imageless_build_are_bad_input(
    store: Store, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [("a", RESET)])
    missing = prepare_error(store, "no-such-bot", path)
    assert isinstance(missing, NotFoundError) and "no-such-bot" in str(missing)
    other = add_built_project(
        store, spec_from_data({**spec_to_data(sample_spec()), "slug": "other-bot", "name": "Other"})
    )
    store.projects.create(sample_spec())
    assert "has no completed build yet" in str(prepare_error(store, "acme-support-bot", path))
    ours = add_built_project(store)
    wrong = prepare_error(store, "acme-support-bot", path, build_id=other.id)
    assert f"Build {other.id} belongs to other-bot" in str(wrong)
    failed = store.builds.set_status(store.builds.create(ours.project_id).id, "failed")
    assert "has no image (it is failed)" in str(
        prepare_error(store, "acme-support-bot", path, build_id=failed.id)
    )
    assert isinstance(prepare_error(store, "acme-support-bot", path, build_id=9999), NotFoundError)


def test_default_build_is_the_last_completed_one(store: Store, tmp_path: Path) -> None:
    add_built_project(store)
    second = add_built_project(store)
    add_built_project(store, status="failed")
    plan = evaluator(store, FakeGateway(lambda _q: faq_reply(RESET))).prepare(
        "acme-support-bot", csv_file(tmp_path, [("a", RESET)])
    )
    assert (plan.build_id, plan.image) == (second.id, second.image_name)


def test_a_build_without_generated_data_is_checked_against_the_project(
    store: Store, tmp_path: Path
) -> None:
    project = store.projects.create(sample_spec())
    build = store.builds.create(project.id)
    store.builds.set_status(build.id, "completed", image_name="pixel/test/old:b1")
    gateway = FakeGateway(lambda _q: faq_reply(RESET))
    plan = evaluator(store, gateway).prepare(SLUG, csv_file(tmp_path, [("a", RESET)]))
    assert plan.knowledge.source == "project"
    error = prepare_error(store, SLUG, csv_file(tmp_path, [("a", "Unknown?")]))
    assert f"FAQ question of project {SLUG}" in str(error)


def test_secret_env_values_reach_the_container_and_never_its_reported_log(
    store: Store, tmp_path: Path
) -> None:
    data = spec_to_data(sample_spec())
    data["deployment"]["secret_env"] = ["LLM_API_KEY"]
    add_built_project(store, spec_from_data(data))

    class Keyring:
        def get_project_secret(self, project: Any, name: str) -> str | None:
            assert project.slug == SLUG  # the record, never a bare slug
            return "s3cret-value" if name == "LLM_API_KEY" else None

    gateway = FakeGateway(
        lambda _q: faq_reply(RESET), healthy=False, logs="auth with s3cret-value failed"
    )
    runner = Evaluator(
        store, Settings(health_timeout_s=5), gateway_factory=lambda: gateway, secrets=Keyring()
    )
    with pytest.raises(BuildError) as info:
        runner.evaluate(SLUG, csv_file(tmp_path, [("a", RESET)]))
    assert gateway.started[0]["env"]["LLM_API_KEY"] == "s3cret-value"
    assert "s3cret-value" not in str(info.value)
    assert "auth with ******** failed" in str(info.value)
