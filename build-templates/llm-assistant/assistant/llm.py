"""A small OpenAI-compatible ``/chat/completions`` client on httpx.

This is the only network call the service ever makes, so it is the one place that must hold
up against a slow, hostile or misconfigured server:

- **One overall deadline** (the spec's ``llm.timeout_s``) covers connecting, sending, the
  response headers and the whole body. httpx's own timeouts apply per socket operation, so a
  server dripping a byte a second would never trip them; the call therefore runs under an
  anyio cancel scope, which interrupts it wherever it is waiting.
- **No redirects are followed.** A redirect would resend the prompt (the user's conversation
  and the retrieved passages) and, with urllib, the ``Authorization`` header to whatever host
  the server names. The address is configuration: a redirect is reported so the operator
  can set ``LLM_BASE_URL`` to the final address.
- **A size cap on the body.** A reply is read in chunks and abandoned as soon as it passes
  ``max_response_bytes``; a declared ``Content-Length`` over the cap is refused before the
  body is read. Compressed replies are not requested (a small gzip body can inflate to
  gigabytes inside one chunk) and refused if sent anyway.

The API key is read from the runtime environment variable named in the spec (never from a
file in the image). Any failure raises ``LlmError``; the caller answers offline instead.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import anyio
import certifi
import httpx

# A chat completion is a few KB; 2 MiB leaves room for long answers and verbose servers.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
# Redirect statuses: reported, never followed (see the module docstring).
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# httpx logs every request at INFO; the service logs LLM failures itself (assistant.llm).
logging.getLogger("httpx").setLevel(logging.WARNING)

_ssl_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


class LlmError(RuntimeError):
    """The LLM could not be reached or answered with something unusable."""


def _verify_context() -> ssl.SSLContext:
    """One TLS context for every call: loading the CA bundle costs milliseconds, and a
    client (with its event loop) is made per call."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = ssl.create_default_context(cafile=certifi.where())
        return _ssl_context


@dataclass(frozen=True)
class LlmClient:
    base_url: str
    model: str
    api_key: str | None
    temperature: float
    timeout_s: float
    max_response_bytes: int = MAX_RESPONSE_BYTES

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's reply to ``messages``, within ``timeout_s`` overall, or ``LlmError``.

        Runs its own short-lived event loop: chats are answered on worker threads, and the
        cancel scope is what makes the deadline hold while a read is blocked.
        """
        try:
            payload = anyio.run(self._complete, messages)
        except TimeoutError as exc:
            raise LlmError(f"{self.url} did not answer within {self.timeout_s:g} s") from exc
        return _reply_text(payload, self.url)

    async def _complete(self, messages: list[dict[str, str]]) -> Any:
        body = {"model": self.model, "messages": messages, "temperature": self.temperature, "stream": False}
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = self.url
        # Per-operation limits equal to the whole budget; the cancel scope enforces the sum.
        timeout = httpx.Timeout(self.timeout_s)
        with anyio.fail_after(self.timeout_s):
            try:
                async with httpx.AsyncClient(
                    timeout=timeout, follow_redirects=False, verify=_verify_context(),
                ) as client, client.stream("POST", url, json=body, headers=headers) as response:
                    if response.status_code in _REDIRECTS:
                        target = response.headers.get("location", "?")
                        raise LlmError(
                            f"{url} answered HTTP {response.status_code} redirecting to {target}; redirects "
                            "are not followed (set LLM_BASE_URL to the final address)"
                        )
                    if response.status_code != 200:
                        raise LlmError(f"{url} answered HTTP {response.status_code}")
                    raw = await self._read_capped(response)
            except httpx.HTTPError as exc:
                raise LlmError(f"{url} unreachable: {exc.__class__.__name__}: {exc}") from exc
            except OSError as exc:
                raise LlmError(f"{url} unreachable: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise LlmError(f"{url} returned invalid JSON") from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.max_response_bytes
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise LlmError(f"{self.url} sent a {encoding}-encoded reply although none was asked for")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise LlmError(f"{self.url} announced a reply of {int(declared)} bytes; the limit is {cap}")
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > cap:
                raise LlmError(f"{self.url} sent a reply over the {cap}-byte limit; it was not read further")
            chunks.append(chunk)
        return b"".join(chunks)


def _reply_text(payload: Any, url: str) -> str:
    try:
        text = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LlmError(f"{url} returned no choices[0].message.content") from exc
    if not isinstance(text, str) or not text.strip():
        raise LlmError(f"{url} returned an empty answer")
    return text.strip()
