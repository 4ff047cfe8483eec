"""Try it use case: which build runs, how answers are explained, the container's lifetime,
and the two edits an answer suggests (saved with the optimistic version).

The store and the use case are real; the "container" is an in-process HTTP server
(tests/eval_fakes.py), so no Docker is needed. The real image runs in tests/gui/test_try_it.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from eval_fakes import FakeGateway as EvalGateway
from eval_fakes import NoSecrets, add_built_project, fallback_reply, faq_reply, suggestion_reply

from pixel_desktop.app import App
from pixel_desktop.app.try_it import (
    OWNER_LABEL,
    TryError,
    TryIt,
    TrySession,
    classify,
    expected_text,
    owner_id,
)
from pixel_desktop.docker.models import ContainerInfo
from pixel_desktop.errors import CancelledError, ConflictError, InputError, PixelError

RESET = "How do I reset my password?"


@dataclass
class Gateway(EvalGateway):
    """The eval stand-in plus the listing Try it uses to reuse and clean containers."""

    containers: list[ContainerInfo] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)

    def list_containers(self, labels: dict[str, str] | None = None) -> list[ContainerInfo]:
        wanted = (labels or {}).items()
        return [c for c in self.containers if all(c.labels.get(k) == v for k, v in wanted)]

    def published_port(self, cid: str, port: int) -> int | None:
        return self.ports.get(cid)

    def remove_container(self, container_id: str) -> None:
        super().remove_container(container_id)
        self.containers = [c for c in self.containers if c.id != container_id]


def make(app: App, gateway: Gateway) -> TryIt:
    return TryIt(app.context, gateway_factory=lambda: gateway, secrets=NoSecrets())


@pytest.fixture
def built(app: App) -> Any:
    return add_built_project(app.context.store)


def test_start_runs_the_newest_completed_build_on_loopback_with_the_try_label(app: App, built: Any) -> None:
    store = app.context.store
    newer = add_built_project(store)
    add_built_project(store, status="failed")
    gateway = Gateway(lambda q: faq_reply(RESET))
    session = make(app, gateway).start("acme-support-bot")
    try:
        assert session.build_id == newer.id
        assert session.owned and session.base_url.startswith("http://127.0.0.1:")
        labels = gateway.started[0]["labels"]
        assert labels["pixel.role"] == "try" and labels[OWNER_LABEL] == owner_id()
        assert "pixel.project" not in labels  # deploy code would take it for a deployment
    finally:
        make(app, gateway).stop(session)
    assert gateway.removed == ["fakecontainer0001"]


def test_a_project_without_a_completed_build_is_refused_with_what_to_do(app: App) -> None:
    from eval_fakes import sample_spec

    app.context.store.projects.create(sample_spec())
    with pytest.raises(InputError, match=r"no completed build yet\. Build it first"):
        make(app, Gateway(lambda q: faq_reply(RESET))).start("acme-support-bot")


def test_an_unhealthy_start_removes_its_container(app: App, built: Any) -> None:
    app.context.settings = app.context.settings.model_copy(update={"health_timeout_s": 5})
    gateway = Gateway(lambda q: faq_reply(RESET), healthy=False)
    with pytest.raises(PixelError):
        make(app, gateway).start("acme-support-bot")
    assert gateway.removed == ["fakecontainer0001"]


def test_closing_while_starting_cancels_and_removes_the_container(app: App, built: Any) -> None:
    cancel = threading.Event()
    gateway = Gateway(lambda q: faq_reply(RESET), healthy=False)
    started = gateway.run_container

    def run_then_close(*args: Any, **kwargs: Any) -> tuple[str, int | None]:
        result = started(*args, **kwargs)
        cancel.set()  # the panel closes while /health does not answer yet
        return result

    gateway.run_container = run_then_close  # type: ignore[method-assign]
    with pytest.raises(CancelledError):
        make(app, gateway).start("acme-support-bot", cancel=cancel)
    assert gateway.removed == ["fakecontainer0001"]


def test_a_running_test_container_of_the_build_is_reused_and_left_running(app: App, built: Any) -> None:
    gateway = Gateway(lambda q: faq_reply(RESET))
    gateway.run_container("img", container_port=8000)  # the stand-in server: the "test container"
    port = gateway._server.server_address[1]  # type: ignore[union-attr]
    gateway.started.clear()
    gateway.containers = [ContainerInfo("test1", "t", "running", "img",
                                        {"pixel.build-id": str(built.id), "pixel.role": "test"})]
    gateway.ports = {"test1": port}
    use = make(app, gateway)
    session = use.start("acme-support-bot")
    assert not session.owned and session.how == "test container" and gateway.started == []
    assert use.stop(session) is False
    assert gateway.removed == []


def test_leftovers_of_a_dead_app_are_removed_but_not_those_of_a_running_one(app: App) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    here = socket.gethostname()
    gateway = Gateway(lambda q: faq_reply(RESET))
    gateway.containers = [
        ContainerInfo("dead1", "a", "running", "img", {"pixel.role": "try", OWNER_LABEL: f"{here}:{dead}"}),
        ContainerInfo("mine", "b", "running", "img", {"pixel.role": "try", OWNER_LABEL: owner_id()}),
        ContainerInfo("other", "c", "running", "img", {"pixel.role": "try", OWNER_LABEL: f"{here}:{os.getppid()}"}),
        ContainerInfo("elsewhere", "d", "running", "img", {"pixel.role": "try", OWNER_LABEL: "otherhost:1"}),
    ]
    assert make(app, gateway).clean_leftovers() == 1
    assert gateway.removed == ["dead1"]


def session_for(gateway_port: int = 1) -> TrySession:
    return TrySession("acme-support-bot", 1, "img", "cid", f"http://127.0.0.1:{gateway_port}", "/chat",
                      True, "started", "Acme Corp", "Hi! I'm the Acme assistant.")


def test_each_answer_names_its_source_and_score_or_why_it_fell_back() -> None:
    s = session_for()
    faq = classify("forgot it", faq_reply(RESET, 0.91)[1], s, 3.0)
    assert (faq.kind, faq.source_title, faq.score, faq.faq_entry) == ("faq", RESET, 0.91, RESET)
    assert faq.explanation == f"From FAQ entry \u201c{RESET}\u201d (score 0.91)."
    maybe = classify("pw?", suggestion_reply(RESET, 0.41)[1], s, 3.0)
    assert maybe.kind == "suggestion" and maybe.faq_entry == RESET
    assert "Did you mean" in maybe.explanation and "0.41" in maybe.explanation
    body = {**fallback_reply()[1], "reply": "Sorry, I'm not sure. Want someone from the Acme Corp team?"}
    fell = classify("weather?", body, s, 3.0)
    assert fell.kind == "fallback" and fell.faq_entry is None
    assert "no FAQ entry or document matched closely enough" in fell.explanation
    rule = classify("a human please", {"reply": "Connecting", "session_id": "x", "handoff": True,
                                        "sources": [{"type": "rule", "title": "human", "score": 1.0}]}, s, 1.0)
    assert rule.kind == "rule" and rule.handoff and "hands the conversation to a person" in rule.explanation
    with pytest.raises(TryError):
        classify("x", {"detail": "nope"}, s, 1.0)


def test_ask_sends_the_question_and_keeps_the_conversation(app: App, built: Any) -> None:
    gateway = Gateway(lambda q: faq_reply(RESET))
    use = make(app, gateway)
    session = use.start("acme-support-bot")
    try:
        answer = use.ask(session, "I forgot my password", "s")
        assert answer.kind == "faq" and answer.session_id == "s"
        assert gateway.asked == ["I forgot my password"]
        with pytest.raises(InputError, match="Type a question"):
            use.ask(session, "   ")
    finally:
        use.stop(session)


def test_a_question_becomes_a_phrasing_of_the_answering_faq_entry(app: App, built: Any) -> None:
    use = make(app, Gateway(lambda q: faq_reply(RESET)))
    project = app.context.store.projects.get("acme-support-bot")
    saved = use.add_phrasing("acme-support-bot", project.version, RESET, "  I lost my   password ")
    entry = next(e for e in saved.spec.training_data.faq if e.question == RESET)
    assert entry.questions[-1] == "I lost my password"
    assert saved.version == project.version + 1
    with pytest.raises(InputError, match="already a phrasing of this entry"):
        use.add_phrasing("acme-support-bot", saved.version, RESET, "i lost my password")
    with pytest.raises(InputError, match="has no entry"):
        use.add_phrasing("acme-support-bot", saved.version, "Gone entry?", "something new")


def test_an_edit_against_an_old_version_is_a_conflict(app: App, built: Any) -> None:
    use = make(app, Gateway(lambda q: faq_reply(RESET)))
    project = app.context.store.projects.get("acme-support-bot")
    use.add_phrasing("acme-support-bot", project.version, RESET, "I lost my password")
    with pytest.raises(ConflictError):
        use.add_phrasing("acme-support-bot", project.version, RESET, "Password gone")


def test_a_question_becomes_a_conversation_test_expecting_the_start_of_the_answer(app: App, built: Any) -> None:
    use = make(app, Gateway(lambda q: faq_reply(RESET)))
    project = app.context.store.projects.get("acme-support-bot")
    answer = classify("I lost my password", {
        "reply": 'Use the "Forgot password" link on the sign-in page. We email you a reset link.',
        "session_id": "s", "handoff": False, "sources": [{"type": "faq", "title": RESET, "score": 0.9}],
    }, session_for(), 2.0)
    saved = use.add_test_from("acme-support-bot", project.version, answer)
    test = saved.spec.tests[-1]
    assert test.ask == "I lost my password"
    assert test.expect_contains == ['Use the "Forgot password" link on the sign-in page']
    assert test.expect_handoff is None
    with pytest.raises(InputError, match="already has a conversation test"):
        use.add_test_from("acme-support-bot", saved.version, answer)


def test_expected_text_is_the_first_sentence_cut_at_a_word() -> None:
    assert expected_text("Yes. More text.") == "Yes"
    long = "word " * 30
    cut = expected_text(long)
    assert len(cut) <= 60 and not cut.endswith(" ") and long.startswith(cut)


def test_a_running_container_that_does_not_answer_on_loopback_is_not_reused(app: App, built: Any) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    gateway = Gateway(lambda q: faq_reply(RESET))
    gateway.containers = [ContainerInfo("dep1", "d", "running", "img",
                                        {"pixel.build-id": str(built.id), "pixel.role": "test"})]
    gateway.ports = {"dep1": closed}
    use = make(app, gateway)
    session = use.start("acme-support-bot")
    try:
        assert session.owned and len(gateway.started) == 1
    finally:
        use.stop(session)


def test_a_deployed_container_of_the_build_is_reused_but_not_one_of_another_build(app: App, built: Any) -> None:
    store = app.context.store
    older = add_built_project(store)  # another build of the same project, deployed too
    mine = store.deployments.create(built.project_id, "local", "img", build_id=built.id, status="healthy")
    theirs = store.deployments.create(built.project_id, "local", "img", build_id=older.id, status="healthy")
    gateway = Gateway(lambda q: faq_reply(RESET))
    gateway.run_container("img", container_port=8000)  # the stand-in server: the "deployment"
    port = gateway._server.server_address[1]  # type: ignore[union-attr]
    gateway.started.clear()

    def deployed(cid: str, deployment: Any) -> ContainerInfo:
        return ContainerInfo(cid, cid, "running", "img", {
            "pixel.project": "acme-support-bot", "pixel.role": "deploy", "pixel.deployment": str(deployment.id)})

    gateway.containers = [deployed("dep-other", theirs), deployed("dep-mine", mine)]
    gateway.ports = {"dep-other": port, "dep-mine": port}
    use = make(app, gateway)
    session = use.start("acme-support-bot", built.id)
    assert (session.container_id, session.owned, session.how) == ("dep-mine", False, f"deployment {mine.id}")
    assert gateway.started == [] and use.stop(session) is False and gateway.removed == []


def test_a_fallback_is_named_by_the_service_even_when_the_reply_does_not_name_the_client() -> None:
    """Services that say what produced the reply (``answered_by``) are not guessed at: a
    custom fallback wording without the client's name still reads as a fallback."""
    s = session_for()
    body = {"reply": "Hmm, no idea. Shall I get a human?", "session_id": "x", "sources": [],
            "handoff": False, "answered_by": "fallback"}
    fell = classify("weather?", body, s, 3.0)
    assert fell.kind == "fallback"
    assert "no FAQ entry or document matched closely enough" in fell.explanation
    thanks = classify("thanks!", {**body, "reply": "You're welcome", "answered_by": "thanks"}, s, 1.0)
    assert thanks.kind == "small talk"
