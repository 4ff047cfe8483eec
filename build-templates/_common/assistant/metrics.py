"""Prometheus text exposition written by hand (keeps the image free of extra packages)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self, name: str, version: str) -> None:
        self._lock = threading.Lock()
        self._info = (name, version)
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.answers: Counter[str] = Counter()
        self.handoffs = 0
        self.llm_errors = 0
        self.rule_timeouts = 0
        self._buckets = [0] * len(LATENCY_BUCKETS)
        self._latency_sum = 0.0
        self._latency_count = 0

    def observe_request(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests[(method, path, str(status))] += 1

    def observe_chat(self, seconds: float, source: str, handoff: bool) -> None:
        with self._lock:
            self.answers[source] += 1
            self.handoffs += int(handoff)
            self._latency_sum += seconds
            self._latency_count += 1
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self._buckets[i] += 1

    def observe_llm_error(self) -> None:
        with self._lock:
            self.llm_errors += 1

    def observe_rule_timeout(self, rule_name: str) -> None:
        """A business-rule regex ran out of time on a message (counted as no match)."""
        with self._lock:
            self.rule_timeouts += 1

    def render(self) -> str:
        with self._lock:
            lines = [
                "# HELP assistant_info Assistant identity.",
                "# TYPE assistant_info gauge",
                f'assistant_info{{name="{_label(self._info[0])}",version="{_label(self._info[1])}"}} 1',
                "# HELP assistant_http_requests_total HTTP requests by method, route and status.",
                "# TYPE assistant_http_requests_total counter",
            ]
            for (method, path, status), n in sorted(self.requests.items()):
                lines.append(
                    f'assistant_http_requests_total{{method="{method}",path="{_label(path)}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP assistant_chat_answers_total Chat answers by source (rule, faq, document, llm, greeting, fallback, handoff).",
                "# TYPE assistant_chat_answers_total counter",
            ]
            for source, n in sorted(self.answers.items()):
                lines.append(f'assistant_chat_answers_total{{source="{_label(source)}"}} {n}')
            lines += [
                "# HELP assistant_handoffs_total Conversations handed to a person.",
                "# TYPE assistant_handoffs_total counter",
                f"assistant_handoffs_total {self.handoffs}",
                "# HELP assistant_llm_errors_total LLM calls that failed and fell back to the offline answer.",
                "# TYPE assistant_llm_errors_total counter",
                f"assistant_llm_errors_total {self.llm_errors}",
                "# HELP assistant_rule_regex_timeouts_total Business-rule regexes that ran out of time (no match).",
                "# TYPE assistant_rule_regex_timeouts_total counter",
                f"assistant_rule_regex_timeouts_total {self.rule_timeouts}",
                "# HELP assistant_chat_latency_seconds Time to answer a chat message.",
                "# TYPE assistant_chat_latency_seconds histogram",
            ]
            for bound, n in zip(LATENCY_BUCKETS, self._buckets, strict=True):
                lines.append(f'assistant_chat_latency_seconds_bucket{{le="{bound}"}} {n}')
            lines.append(f'assistant_chat_latency_seconds_bucket{{le="+Inf"}} {self._latency_count}')
            lines.append(f"assistant_chat_latency_seconds_sum {self._latency_sum:.6f}")
            lines.append(f"assistant_chat_latency_seconds_count {self._latency_count}")
        return "\n".join(lines) + "\n"


class RequestCounter:
    """Counts every HTTP response by method, route template and status, as pure ASGI.

    Why not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs the app in a
    task and pipes the response through a memory stream, a fixed cost on every request that
    was a large share of a /chat. Here the status is read off ``http.response.start`` (the
    moment the decorator version saw the response) and the route the router matched is read
    from the scope it filled in. Unhandled errors are answered outside this middleware and
    are not counted, as before.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                path = getattr(route, "path", None) or "other"
                self.metrics.observe_request(scope["method"], path, message["status"])
            await send(message)

        await self.app(scope, receive, counting_send)
