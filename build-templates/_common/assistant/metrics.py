"""Prometheus metrics of the service, exposed with prometheus_client (pure Python).

Every label value is bounded, so no client can grow the page: HTTP methods outside the
standard ones count as ``other`` (a client inventing 2,000 methods once made 2,007 series
and a 16 MB page), paths are the route templates the app defines (anything else is
``other``), statuses are three-digit codes, answer sources come from the code and rule
names from the spec. The library writes the exposition (escaping, histogram buckets,
OpenMetrics when the scraper asks for it) on its own registry, one per ``Metrics``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# RFC 9110 methods; anything else a client sends is counted as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
OTHER = "other"

# No "_created" series: they double the page and counters here start with the process.
disable_created_metrics()


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER


def status_label(status: int) -> str:
    return str(status) if 100 <= status <= 599 else OTHER


class Metrics:
    def __init__(self, name: str, version: str) -> None:
        self.registry = CollectorRegistry()
        Info("assistant", "Assistant identity.", registry=self.registry).info({"name": name, "version": version})
        self._requests = Counter(
            "assistant_http_requests", "HTTP requests by method, route and status.",
            ["method", "path", "status"], registry=self.registry)
        self._answers = Counter(
            "assistant_chat_answers",
            "Chat answers by source (rule, faq, document, llm, greeting, fallback, handoff, ...).",
            ["source"], registry=self.registry)
        self._handoffs = Counter("assistant_handoffs", "Conversations handed to a person.", registry=self.registry)
        self._llm_errors = Counter(
            "assistant_llm_errors", "LLM calls that failed and fell back to the offline answer.",
            registry=self.registry)
        self._rule_timeouts = Counter(
            "assistant_rule_regex_timeouts",
            "Business-rule regexes that ran out of their time budget on a message (counted as no match).",
            ["rule"], registry=self.registry)
        self._latency = Histogram(
            "assistant_chat_latency_seconds", "Time to answer a chat message.",
            buckets=LATENCY_BUCKETS, registry=self.registry)

    def observe_request(self, method: str, path: str, status: int) -> None:
        self._requests.labels(method_label(method), path, status_label(status)).inc()

    def observe_chat(self, seconds: float, source: str, handoff: bool) -> None:
        self._answers.labels(source).inc()
        if handoff:
            self._handoffs.inc()
        self._latency.observe(seconds)

    def observe_llm_error(self) -> None:
        self._llm_errors.inc()

    def watch_rules(self, names: Iterable[str]) -> None:
        """Show a 0 for each regex rule from the start, so a first timeout is a visible rise."""
        for name in names:
            self._rule_timeouts.labels(name)

    def observe_rule_timeout(self, rule_name: str) -> None:
        """A business-rule regex ran out of time on a message (counted as no match)."""
        self._rule_timeouts.labels(rule_name).inc()

    @property
    def rule_timeouts(self) -> int:
        """All regex timeouts so far, over every rule."""
        return int(sum(s.value for metric in self._rule_timeouts.collect()
                       for s in metric.samples if s.name.endswith("_total")))

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The page and its content type, in the format the scraper's Accept header asks for."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type

    def render(self) -> str:
        """The Prometheus text format (version 0.0.4)."""
        return self.exposition()[0].decode("utf-8")


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
                path = getattr(route, "path", None) or OTHER
                self.metrics.observe_request(scope["method"], path, message["status"])
            await send(message)

        await self.app(scope, receive, counting_send)
