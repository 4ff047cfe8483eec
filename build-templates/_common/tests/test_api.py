"""The HTTP contract of the service: health, chat, validation, metrics, demo page."""

from __future__ import annotations

import json
import re
import threading

import pytest

from config import settings


def test_health_reports_ok_with_name_and_version(client):
    response = client.get(settings.HEALTH_PATH)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["name"] == settings.NAME
    assert body["version"].startswith(settings.SERVICE_VERSION + "+")


def test_chat_returns_reply_session_sources_handoff_and_what_answered(client):
    response = client.post(settings.CHAT_PATH, json={"message": "hello"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"reply", "session_id", "sources", "handoff", "answered_by"}
    assert body["reply"]
    assert isinstance(body["handoff"], bool)
    assert body["answered_by"] in {"faq", "document", "rule", "llm", "suggestion", "fallback",
                                   "handoff", "declined", "greeting", "thanks"}


def _rule_answers(message):
    import main

    return main.SERVICE.rules.first_match(message) is not None


def test_greeting_comes_from_the_personality(client):
    from config import prompts

    if _rule_answers("Hi!"):
        pytest.skip("a business rule of this project answers greetings")
    body = client.post(settings.CHAT_PATH, json={"message": "Hi!"}).json()
    assert body["reply"] == prompts.GREETING


def test_session_id_is_kept_when_given(client):
    first = client.post(settings.CHAT_PATH, json={"message": "hello"}).json()
    second = client.post(settings.CHAT_PATH, json={"message": "hello", "session_id": first["session_id"]}).json()
    assert second["session_id"] == first["session_id"]


def test_session_ids_are_issued_by_the_service_and_unguessable(client):
    ids = {client.post(settings.CHAT_PATH, json={"message": "hello"}).json()["session_id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", sid) for sid in ids)


def test_a_session_id_the_service_did_not_issue_gets_404_saying_how_to_start_again(client):
    client.post(settings.CHAT_PATH, json={"message": "hello"})
    for invented in ("pixel-smoke", "user-42", "a" * 43):
        response = client.post(settings.CHAT_PATH, json={"message": "What did I ask before?", "session_id": invented})
        assert response.status_code == 404, invented
        detail = response.json()["detail"]
        assert "unknown or has expired" in detail and "without session_id" in detail


def test_unanswerable_question_gets_honest_fallback_offering_a_person(client):
    from config import prompts

    if _rule_answers("zqxv wplm frobnicate quux?"):
        pytest.skip("a business rule of this project answers every message")
    body = client.post(settings.CHAT_PATH, json={"message": "zqxv wplm frobnicate quux?"}).json()
    assert body["reply"] == prompts.FALLBACK_REPLY
    assert (body["handoff"], body["answered_by"]) == (False, "fallback")
    follow_up = client.post(settings.CHAT_PATH, json={"message": "yes", "session_id": body["session_id"]}).json()
    assert (follow_up["handoff"], follow_up["answered_by"]) == (True, "handoff")


def test_empty_message_is_rejected_with_422_and_clear_detail(client):
    response = client.post(settings.CHAT_PATH, json={"message": "   "})
    assert response.status_code == 422
    assert "message" in response.json()["detail"]


def test_too_long_message_is_rejected_with_422(client):
    response = client.post(settings.CHAT_PATH, json={"message": "x" * (settings.MAX_MESSAGE_CHARS + 1)})
    assert response.status_code == 422
    assert "message" in response.json()["detail"]


def test_wrong_types_and_malformed_json_are_4xx_not_500(client):
    for payload in ({"message": 42}, {"message": None}, {}, [], {"message": "hi", "session_id": "../x y"}):
        response = client.post(settings.CHAT_PATH, json=payload)
        assert response.status_code == 422, payload
    response = client.post(settings.CHAT_PATH, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_validation_messages_are_plain_sentences_without_pydantic_prefixes(client):
    detail = client.post(settings.CHAT_PATH, json={"message": "   "}).json()["detail"]
    assert detail.startswith("message: ") and "Value error" not in detail


def test_invalid_json_says_where_it_broke_and_how_to_send_it(client):
    response = client.post(settings.CHAT_PATH, content=b'{"message": "hi",}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("body is not valid JSON (at character 17)")
    assert "Content-Type: application/json" in detail


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_content_type_is_told_to_send_json(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(settings.CHAT_PATH, content=b'{"message": "hi"}', headers=headers)
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]


def test_bad_bodies_are_never_500(client):
    bodies = [b"", b"null", b"[]", b'"hi"', b"\xff\xfe", b'{"message": {"a": 1}}', b'{"message": "' + b"\\" + b'"}',
              b'{"message": "hi", "session_id": 5}', b"{" * 5000, b'{"message": "\\ud800"}']
    for body in bodies:
        response = client.post(settings.CHAT_PATH, content=body, headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (body[:40], response.status_code, response.text[:200])
        assert isinstance(response.json()["detail"], str)


def _chunks(total: int):
    yield b'{"message": "'
    sent = 0
    while sent < total:
        yield b"x" * 8192
        sent += 8192
    yield b'"}'


def test_oversized_chunked_body_without_content_length_is_rejected_with_413(client):
    import main

    response = client.post(settings.CHAT_PATH, content=_chunks(main.MAX_BODY_BYTES * 4),
                           headers={"Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert str(main.MAX_BODY_BYTES) in response.json()["detail"]


def test_small_chunked_body_is_still_answered(client):
    def small():
        yield b'{"message": '
        yield b'"hello"}'

    response = client.post(settings.CHAT_PATH, content=small(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text


def test_catastrophic_rule_regex_cannot_hang_chat_and_is_counted(client, monkeypatch):
    import main
    from assistant.data import Rule
    from assistant.rules import RuleBook

    evil = Rule(name="evil", match=(), regex=r"^(a|aa)+$", reply="never", handoff=False)
    monkeypatch.setattr(main.SERVICE, "rules", RuleBook((evil,), on_timeout=main.METRICS.observe_rule_timeout))
    before = main.METRICS.rule_timeouts
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault(
        "response", client.post(settings.CHAT_PATH, json={"message": "a" * 60 + "!"})), daemon=True)
    worker.start()
    worker.join(timeout=60)  # hard ceiling: only catches a hang
    assert not worker.is_alive(), "a catastrophic business-rule regex hung /chat"
    assert result["response"].status_code == 200
    assert result["response"].json()["reply"] != "never"
    assert main.METRICS.rule_timeouts > before
    text = client.get("/metrics").text
    assert re.search(r'^assistant_rule_regex_timeouts_total\{rule="evil"\} [1-9]', text, re.MULTILINE)


def test_oversized_body_is_rejected_with_413(client):
    body = json.dumps({"message": "x" * (settings.MAX_MESSAGE_CHARS * 8)})
    response = client.post(settings.CHAT_PATH, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_metrics_are_prometheus_text_counting_chats(client):
    client.post(settings.CHAT_PATH, json={"message": "hello"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE assistant_chat_latency_seconds histogram" in text
    assert "assistant_handoffs_total" in text
    assert f'assistant_http_requests_total{{method="POST",path="{settings.CHAT_PATH}",status="200"}}' in text


def test_metrics_count_refusals_and_unknown_paths_by_route_and_status(client):
    client.post(settings.CHAT_PATH, json={"message": ""})
    too_big = json.dumps({"message": "x" * (settings.MAX_MESSAGE_CHARS * 8)})
    client.post(settings.CHAT_PATH, content=too_big, headers={"Content-Type": "application/json"})
    client.get("/no-such-page")
    text = client.get("/metrics").text
    for method, path, status in (("POST", settings.CHAT_PATH, 422), ("POST", "other", 413), ("GET", "other", 404)):
        line = f'assistant_http_requests_total{{method="{method}",path="{path}",status="{status}"}} '
        assert line in text, f"{line} missing from /metrics"


def _series(text: str) -> set[str]:
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}


def _invent(client, names: range) -> None:
    for i in names:
        client.request(f"INVENTED{i}", f"/made-up/{i}")
        client.request(f"INVENTED{i}", settings.HEALTH_PATH)
        client.request("GET", f"/made-up/{i}?q={i}")


def test_invented_methods_and_paths_cannot_grow_the_metrics_page(client):
    _invent(client, range(3))
    before = _series(client.get("/metrics").text)
    _invent(client, range(3, 300))
    text = client.get("/metrics").text
    assert _series(text) == before
    assert 'assistant_http_requests_total{method="other",path="other",status="404"}' in before
    assert not any("INVENTED" in line or "made-up" in line for line in text.splitlines())


def test_metrics_are_offered_as_openmetrics_to_a_scraper_that_asks(client):
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_demo_page_is_self_contained_and_escapes_user_text(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    assert "<script src" not in page and "<link" not in page  # no CDN, nothing external
    assert page.count("</script>") == 2  # user text cannot close a script tag
    assert "\u2028" not in page
    assert "Content-Security-Policy" in response.headers


def test_openapi_describes_the_chat_endpoint(client):
    schema = client.get("/openapi.json").json()
    assert settings.CHAT_PATH in schema["paths"]


def test_docs_page_works_offline_and_lists_the_endpoints(client):
    response = client.get("/docs")
    assert response.status_code == 200
    page = response.text
    assert "<script" not in page and "<link" not in page and "cdn" not in page.lower()
    assert "http://" not in page and "https://" not in page
    for path in (settings.CHAT_PATH, settings.HEALTH_PATH, "/metrics", "/openapi.json"):
        assert f"<code>{path}</code>" in page or f'href="{path}"' in page, path
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert client.get("/redoc").status_code == 404


def test_every_faq_question_asked_verbatim_finds_its_entry():
    from assistant.data import load_assistant_data
    from assistant.retrieval import Index
    from assistant.text import terms

    data = load_assistant_data()
    index = Index.from_data(data)
    for i, entry in enumerate(data.faq):
        if not terms(entry.question):
            continue  # only stop words: nothing to search for
        hits = index.search(entry.question, k=3)
        found = [h.passage.index for h in hits if h.passage.kind == "faq"]
        assert i in found or any(data.faq[j].question == entry.question for j in found), entry.question
