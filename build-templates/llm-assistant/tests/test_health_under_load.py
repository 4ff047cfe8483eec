"""Health stays answerable while many chats wait on a slow LLM.

The service runs as the container runs it (``python main.py``) against a loopback LLM that
holds every request until the test lets go. When /health shared the worker threads with
/chat, 45 waiting chats made it time out, and Docker or Kubernetes would restart a container
that was only busy.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from config import settings

SERVICE_DIR = Path(__file__).resolve().parents[1]
CHATS = 45
WAITING = 10  # chats already waiting on the LLM (the rest computing or queued) when /health is asked


class _SlowLlm(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    waiting = 0
    lock = threading.Lock()
    release = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _SlowLlm.lock:
            _SlowLlm.waiting += 1
        _SlowLlm.release.wait(timeout=120)
        with _SlowLlm.lock:
            _SlowLlm.waiting -= 1
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": "slow answer"}}]}).encode()
        with contextlib.suppress(OSError):  # the service may be gone by now
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # connections cut when the service is stopped mid-chat


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _question_for_the_llm() -> str:
    """A message no business rule or small-talk reply answers, so it reaches the LLM."""
    from assistant.data import load_assistant_data
    from assistant.rules import RuleBook

    rules = RuleBook(load_assistant_data().rules)
    for candidate in ("Could you explain the frobnication schedule of the quantum widget?",
                      "zqxv wplm frobnicate quux question", "Explain item 7788 in detail"):
        if rules.first_match(candidate) is None:
            return candidate
    raise AssertionError("every candidate message matches a business rule of this project")


def test_health_and_metrics_answer_while_many_chats_wait_on_a_slow_llm(tmp_path):
    llm = _Server(("127.0.0.1", 0), _SlowLlm)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "warning",
           "LLM_BASE_URL": f"http://127.0.0.1:{llm.server_address[1]}/v1", "LLM_MODEL": "slow-model"}
    log = (tmp_path / "service.log").open("w")
    service = subprocess.Popen([sys.executable, "main.py"], cwd=SERVICE_DIR, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + settings.HEALTH_PATH, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert service.poll() is None and time.monotonic() < deadline, (tmp_path / "service.log").read_text()
            time.sleep(0.2)

        question = _question_for_the_llm()

        def ask() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the service is stopped before all are answered
                httpx.post(base + settings.CHAT_PATH, json={"message": question}, timeout=120)

        chats = [threading.Thread(target=ask, daemon=True) for _ in range(CHATS)]
        for chat in chats:
            chat.start()
        waiting_until = time.monotonic() + 60
        while _SlowLlm.waiting < WAITING and time.monotonic() < waiting_until:
            time.sleep(0.05)
        assert _SlowLlm.waiting >= WAITING, f"only {_SlowLlm.waiting} chats are waiting on the LLM"

        for path in (settings.HEALTH_PATH, "/metrics"):
            started = time.monotonic()
            try:
                status = httpx.get(base + path, timeout=5).status_code
            except httpx.TimeoutException:
                status = None
            elapsed = time.monotonic() - started
            assert status == 200 and elapsed < 1.0, \
                f"{path} answered {status} after {elapsed:.1f} s while {CHATS} chats were in progress"
    finally:
        _SlowLlm.release.set()
        service.kill()
        service.wait(timeout=30)
        log.close()
        llm.shutdown()
        llm.server_close()
