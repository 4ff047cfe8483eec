"""LLM mode: grounded prompt to an OpenAI-compatible server, offline fallback on failure."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from assistant.answer import LlmAnswerer
from assistant.data import load_assistant_data
from assistant.llm import LlmClient
from assistant.retrieval import Index
from assistant.service import offline_answer
from assistant.sessions import Session


class _FakeLlm(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict]] = []
    reply = "LLM says hello"

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        _FakeLlm.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                  "body": json.loads(self.rfile.read(length))})
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": self.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def fake_llm():
    server = HTTPServer(("127.0.0.1", 0), _FakeLlm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeLlm.requests.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _question_and_hits():
    data = load_assistant_data()
    index = Index.from_data(data)
    for entry in data.faq:
        hits = index.search(entry.question)
        if hits:
            return entry.question, hits
    return "hello there", []


def test_llm_reply_is_used_and_gets_retrieved_passages_and_key(fake_llm):
    question, hits = _question_and_hits()
    client = LlmClient(fake_llm, "test-model", "sk-test", 0.2, 5.0)
    answer = LlmAnswerer(client, 0.5).answer(question, hits, Session("s1"))
    assert answer.reply == "LLM says hello"
    assert answer.source == "llm"
    sent = _FakeLlm.requests[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer sk-test"
    assert sent["body"]["model"] == "test-model"
    assert sent["body"]["messages"][-1] == {"role": "user", "content": question}
    system = sent["body"]["messages"][0]["content"]
    for hit in hits:
        if hit.coverage > 0:
            assert hit.passage.text in system


def test_unreachable_llm_falls_back_to_the_offline_answer():
    question, hits = _question_and_hits()
    client = LlmClient("http://127.0.0.1:9/v1", "m", None, 0.2, 2.0)
    answer = LlmAnswerer(client, 0.5).answer(question, hits, Session("s2"))
    expected = offline_answer(hits, 0.5)
    assert (answer.reply, answer.source) == (expected.reply, expected.source)


def test_unset_llm_answers_offline():
    question, hits = _question_and_hits()
    answer = LlmAnswerer(None, 0.5).answer(question, hits, Session("s3"))
    assert answer.reply == offline_answer(hits, 0.5).reply


def test_runtime_env_overrides_endpoint_and_supplies_the_key(monkeypatch):
    from assistant.answer import client_from_config

    data = load_assistant_data()
    monkeypatch.setenv("LLM_BASE_URL", "http://llm.internal:8080/v1")
    monkeypatch.setenv("LLM_MODEL", "override-model")
    if data.llm.api_key_env:
        monkeypatch.setenv(data.llm.api_key_env, "sk-from-env")
    client = client_from_config(data)
    assert client is not None
    assert (client.base_url, client.model) == ("http://llm.internal:8080/v1", "override-model")
    assert client.api_key == ("sk-from-env" if data.llm.api_key_env else None)


def test_no_provider_and_no_override_means_offline(monkeypatch):
    from dataclasses import replace

    from assistant.answer import client_from_config

    data = load_assistant_data()
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    monkeypatch.delenv("LLM_MODEL", raising=False)
    offline = replace(data, llm=replace(data.llm, provider="none"))
    assert client_from_config(offline) is None
