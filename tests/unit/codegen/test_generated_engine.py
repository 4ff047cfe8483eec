"""The generated service's stdlib-only engine: rules, small talk, fallback, metrics (sessions: test_sessions.py).

(The FastAPI layer is exercised by the generated tests themselves, run in a fresh venv by
tests/integration/codegen/test_generated_service.py.)
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from pixel_desktop.spec import ProjectSpec


def _spec(**extra) -> ProjectSpec:
    data = {
        "name": "Rules Bot",
        "client": "Rule Corp",
        "business_rules": [
            {"name": "pricing", "match": ["cost", "price list"], "reply": "Ask sales."},
            {"name": "literal", "match": ["a+b (c)?"], "reply": "Literal matched."},
            {"name": "order", "regex": r"\bACM-\d{6}\b", "reply": "Order rule.", "handoff": True},
            {"name": "second-cost", "match": ["cost"], "reply": "Never reached."},
        ],
        "training_data": {"faq": [{"question": "How long does shipping take?", "answer": "Three days."}]},
    }
    data.update(extra)
    return ProjectSpec.model_validate(data)


@pytest.fixture
def engine(load_service):
    importer = load_service(_spec())
    return importer


def test_word_rules_match_whole_words_case_insensitively(engine):
    from_data = engine("assistant.data").load_assistant_data()
    book = engine("assistant.rules").RuleBook(from_data.rules)
    assert book.first_match("What does it COST?").name == "pricing"
    assert book.first_match("the price\n  list please").name == "pricing"
    assert book.first_match("nice costume") is None
    assert book.first_match("I love a+b (c)? really").name == "literal"
    assert book.first_match("aab c") is None
    assert book.first_match("my order acm-123456 is late").name == "order"
    assert book.first_match("ACM-1234567") is None


def test_rules_come_before_retrieval_and_first_rule_wins(engine):
    main_answer = engine("assistant.answer")
    service_mod = engine("assistant.service")
    data = engine("assistant.data").load_assistant_data()
    service = service_mod.ChatService(data, main_answer.OfflineAnswerer(0.5))
    answer, _ = service.chat("How long does shipping take and what does it cost?")
    assert (answer.reply, answer.source) == ("Ask sales.", "rule")
    answer, _ = service.chat("Where is ACM-000042?")
    assert answer.handoff is True and answer.sources == [{"type": "rule", "title": "order", "score": 1.0}]
    answer, _ = service.chat("how long will delivery take")
    assert (answer.reply, answer.source) == ("Three days.", "faq")


def test_fallback_offers_a_person_and_yes_hands_off_in_the_same_session(engine):
    service_mod = engine("assistant.service")
    prompts = engine("config.prompts")
    data = engine("assistant.data").load_assistant_data()
    service = service_mod.ChatService(data, engine("assistant.answer").OfflineAnswerer(0.5))
    answer, session = service.chat("Tell me about quantum chromodynamics")
    assert answer.reply == prompts.FALLBACK_REPLY and "Rule Corp" in answer.reply
    assert answer.handoff is False
    answer, _ = service.chat("yes please", session.session_id)
    assert answer.handoff is True and answer.reply == prompts.HANDOFF_REPLY
    answer, _ = service.chat("yes", session.session_id)  # no pending offer any more
    assert answer.handoff is False


def test_greeting_reply_is_the_personality_greeting(engine):
    service_mod = engine("assistant.service")
    data = engine("assistant.data").load_assistant_data()
    service = service_mod.ChatService(data, engine("assistant.answer").OfflineAnswerer(0.5))
    assert service.chat("Hello there!")[0].reply == data.personality.greeting


def test_metrics_render_prometheus_text_with_escaped_labels(engine):
    metrics = engine("assistant.metrics").Metrics('Bot "quoted"\nname\\', "1.0.0+abc")
    metrics.observe_request("POST", "/chat", 200)
    metrics.observe_chat(0.03, "faq", handoff=True)
    text = metrics.render()
    assert 'assistant_info{name="Bot \\"quoted\\"\\nname\\\\",version="1.0.0+abc"} 1' in text
    assert 'assistant_chat_latency_seconds_bucket{le="0.05"} 1' in text
    assert 'assistant_chat_latency_seconds_bucket{le="0.025"} 0' in text
    assert "assistant_handoffs_total 1" in text
    for line in text.splitlines():
        assert line.startswith("#") or re.match(r"^[a-z_]+(\{.*\})? [0-9.+e-]+$", line), line


def test_demo_page_csp_hashes_match_the_inline_style_and_script(engine):
    page = engine("assistant.page")
    html = page.render_page("Bot", "Hi", "/chat")
    for block in (page.STYLE, page.SCRIPT):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in page.CONTENT_SECURITY_POLICY
        assert block in html


def test_lexical_terms_are_snowball_stems_without_stop_words_or_synonyms(engine):
    text = engine("assistant.text")
    assert text.terms("ordered") == text.terms("orders") == text.terms("ordering") == ["order"]
    assert text.terms("How do I close my account?") == ["close", "account"]
    assert text.terms("close") != text.terms("delete")  # different words stay different
    assert text.terms("Où est ma livraison?") == ["où", "est", "ma", "livraison"]


def test_hostile_rule_phrases_match_literally_and_never_as_regex(load_service):
    from test_hostile_values import HOSTILE

    rules = [{"name": f"r{i}", "match": [phrase], "reply": f"reply {i}"}
             for i, phrase in enumerate(HOSTILE) if phrase.strip()]
    importer = load_service(_spec(business_rules=rules))
    data = importer("assistant.data").load_assistant_data()
    book = importer("assistant.rules").RuleBook(data.rules)
    for i, phrase in enumerate(HOSTILE):
        assert book.first_match(f"well {phrase} !").name == f"r{i}", phrase
    assert book.first_match("nothing special here") is None


@pytest.fixture
def sample_service(acme_spec, load_service):
    def make(retrieval: str = "semantic"):
        importer = load_service(acme_spec.model_copy(update={"retrieval": retrieval}))
        data = importer("assistant.data").load_assistant_data()
        answerer = importer("assistant.answer")
        service_mod = importer("assistant.service")
        return service_mod.ChatService(data, answerer.OfflineAnswerer(service_mod.answer_threshold(data)))
    return make


def test_a_likely_but_uncertain_match_asks_did_you_mean_and_yes_answers_it(sample_service):
    service = sample_service()
    first, session = service.chat("Is it possible to get my cash back?")
    assert first.source == "suggestion" and "When will I get my refund?" in first.reply
    assert first.sources[0]["type"] == "suggestion" and first.handoff is False
    second, _ = service.chat("yes", session.session_id)
    assert second.source == "faq" and second.reply.startswith("Refunds reach your original payment method")


def test_no_to_a_suggestion_hands_off_and_off_topic_gets_the_plain_fallback(sample_service):
    service = sample_service()
    _, session = service.chat("Is it possible to get my cash back?")
    declined, _ = service.chat("no", session.session_id)
    assert declined.handoff is True and declined.source == "handoff"
    off_topic, _ = service.chat("What is the capital of France?")
    assert off_topic.source == "fallback" and off_topic.offers_handoff


def test_lexical_retrieval_never_suggests(sample_service):
    service = sample_service("lexical")
    answer, _ = service.chat("Is it possible to get my cash back?")
    assert answer.source in {"fallback", "faq"}


def test_document_passages_are_retrieved_by_meaning_and_named_in_sources(sample_service):
    service = sample_service()
    answer, _ = service.chat("Do my reward points expire?")
    assert answer.source == "document" and "24 months" in answer.reply
    assert answer.sources[0]["type"] == "document" and answer.sources[0]["title"] == "Loyalty programme"


def test_invented_http_methods_and_statuses_share_one_other_label(engine):
    metrics = engine("assistant.metrics").Metrics("Bot", "1")
    metrics.observe_request("GET", "/health", 200)
    for i in range(2000):
        metrics.observe_request(f"M{i}", "other", 404)
        metrics.observe_request("GET", "other", 1000 + i)
    series = [line for line in metrics.render().splitlines() if line.startswith("assistant_http_requests_total{")]
    assert sorted(series) == [
        'assistant_http_requests_total{method="GET",path="/health",status="200"} 1.0',
        'assistant_http_requests_total{method="GET",path="other",status="other"} 2000.0',
        'assistant_http_requests_total{method="other",path="other",status="404"} 2000.0',
    ]
