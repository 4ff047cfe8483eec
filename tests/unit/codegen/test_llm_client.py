"""The generated LLM client against hostile loopback servers: redirects, dripping, huge bodies.

Each server is a real HTTP server on 127.0.0.1 (or ``localhost`` as "another host"); the
client is the generated ``assistant/llm.py`` of the llm-assistant set, imported on the host.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

KEY = "sk-test-secret"
MESSAGES = [{"role": "user", "content": "What is my order status? (private)"}]


def _completion(text: str = "LLM says hello") -> bytes:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()


class _Server:
    """A loopback HTTP server whose POST handling is ``handle(handler)``; records requests."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.requests: list[dict[str, object]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append({"method": self.command, "path": self.path,
                                       "auth": self.headers.get("Authorization"),
                                       "body": self.rfile.read(length).decode("utf-8", "replace")})

            def do_POST(self) -> None:
                self._record()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    handle(self)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm(load_service, acme_spec) -> Iterator:
    yield load_service(acme_spec, "llm-assistant")("assistant.llm")


def _client(llm, port: int, *, host: str = "127.0.0.1", timeout_s: float = 5.0, **extra):
    return llm.LlmClient(f"http://{host}:{port}/v1", "test-model", KEY, 0.2, timeout_s, **extra)


def _answer_ok(handler: BaseHTTPRequestHandler) -> None:
    payload = _completion()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def test_well_behaved_server_gets_the_key_and_prompt_and_its_reply_is_used(llm):
    with _Server(_answer_ok) as server:
        assert _client(llm, server.port).complete(MESSAGES) == "LLM says hello"
    (sent,) = server.requests
    assert (sent["method"], sent["path"], sent["auth"]) == ("POST", "/v1/chat/completions", f"Bearer {KEY}")
    assert json.loads(str(sent["body"]))["messages"] == MESSAGES


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_host_sends_it_neither_the_key_nor_the_prompt(llm, status):
    with _Server(_answer_ok) as other:
        def redirect(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Location", f"http://localhost:{other.port}/v1/chat/completions")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with _Server(redirect) as first:
            try:
                _client(llm, first.port).complete(MESSAGES)
                error = ""
            except llm.LlmError as exc:
                error = str(exc)
        assert len(first.requests) == 1
    assert other.requests == [], "the redirect target got the request (and with it the key or the prompt)"
    assert f"HTTP {status} redirecting to http://localhost:{other.port}/" in error
    assert "LLM_BASE_URL" in error


def _drip_headers(handler: BaseHTTPRequestHandler) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 200:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.1)


def _drip_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "200")
    handler.end_headers()
    handler.wfile.flush()
    for _ in range(120):  # 12 s of one byte every 0.1 s, each read well inside any per-read timeout
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.mark.parametrize("drip", [_drip_headers, _drip_body], ids=["headers", "body"])
def test_dripping_server_cannot_hold_a_call_past_its_overall_deadline(llm, drip):
    with _Server(drip) as server:
        started = time.monotonic()
        with pytest.raises(llm.LlmError) as raised:
            _client(llm, server.port, timeout_s=2.0).complete(MESSAGES)
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"a 2 s call took {elapsed:.1f} s"
    assert "did not answer within 2 s" in str(raised.value)


HUGE = 300 * 1024 * 1024
CHUNK = b"x" * (64 * 1024)


def _huge(declared: bool) -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared:
            handler.send_header("Content-Length", str(HUGE))
        else:
            handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        head = f"{len(CHUNK):x}\r\n".encode()
        for _ in range(HUGE // len(CHUNK)):
            handler.wfile.write(CHUNK if declared else head + CHUNK + b"\r\n")
        if not declared:
            handler.wfile.write(b"0\r\n\r\n")

    return handle


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_reply_over_the_size_cap_is_abandoned_not_read_into_memory(llm, declared):
    with _Server(_huge(declared)) as server:
        tracemalloc.start()
        try:
            with pytest.raises(llm.LlmError) as raised:
                _client(llm, server.port, timeout_s=30.0).complete(MESSAGES)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, f"reading a 300 MB reply peaked at {peak / 2**20:.0f} MiB"
    assert f"limit is {llm.MAX_RESPONSE_BYTES}" in str(raised.value) or \
        f"over the {llm.MAX_RESPONSE_BYTES}-byte limit" in str(raised.value)


def test_compressed_reply_is_refused_because_it_could_inflate_past_the_cap(llm):
    import gzip

    def gzipped(handler: BaseHTTPRequestHandler) -> None:
        payload = gzip.compress(_completion())
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    with _Server(gzipped) as server, pytest.raises(llm.LlmError, match="gzip-encoded"):
        _client(llm, server.port).complete(MESSAGES)
    assert server.requests
