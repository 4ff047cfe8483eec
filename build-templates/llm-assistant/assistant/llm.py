"""A minimal OpenAI-compatible ``/chat/completions`` client on the standard library.

No SDK: the image stays small and the only network call the service ever makes is this
one, with a timeout. The API key is read from the runtime environment variable named in
the spec (never from a file in the image).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass


class LlmError(RuntimeError):
    """The LLM could not be reached or answered with something unusable."""


@dataclass(frozen=True)
class LlmClient:
    base_url: str
    model: str
    api_key: str | None
    temperature: float
    timeout_s: float

    def complete(self, messages: list[dict[str, str]]) -> str:
        body = json.dumps(
            {"model": self.model, "messages": messages, "temperature": self.temperature, "stream": False}
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = self.base_url.rstrip("/") + "/chat/completions"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LlmError(f"{url} answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LlmError(f"{url} unreachable: {exc}") from exc
        except ValueError as exc:
            raise LlmError(f"{url} returned invalid JSON") from exc
        try:
            text = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LlmError(f"{url} returned no choices[0].message.content") from exc
        if not isinstance(text, str) or not text.strip():
            raise LlmError(f"{url} returned an empty answer")
        return text.strip()
