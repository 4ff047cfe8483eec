"""LLM answers grounded in retrieved passages, with the offline answer as the fallback.

The LLM is used when the data names a provider (or LLM_BASE_URL/LLM_MODEL are set at run
time). Any failure — unset, unreachable, timeout, bad response — returns the offline answer
(best FAQ/document passage or the honest fallback), so a demo never breaks on the network.
"""

from __future__ import annotations

import logging

from assistant.data import AssistantData
from assistant.llm import LlmClient, LlmError
from assistant.metrics import Metrics
from assistant.retrieval import Hit
from assistant.service import Answer, answer_threshold, hit_source, offline_answer
from assistant.sessions import Session
from assistant.workers import SLOTS
from config import prompts, settings

MODE = "llm"
log = logging.getLogger("assistant.llm")


def client_from_config(data: AssistantData) -> LlmClient | None:
    """The configured client, or None when no LLM is set (then answers stay offline)."""
    cfg = data.llm
    base_url = settings.env("LLM_BASE_URL") or (cfg.base_url if cfg.provider != "none" else None)
    model = settings.env("LLM_MODEL") or (cfg.model if cfg.provider != "none" else None)
    if not base_url or not model:
        return None
    api_key = settings.env(cfg.api_key_env) if cfg.api_key_env else None
    return LlmClient(base_url, model, api_key or None, cfg.temperature, cfg.timeout_s)


class LlmAnswerer:
    def __init__(self, client: LlmClient | None, min_confidence: float, metrics: Metrics | None = None) -> None:
        self.client = client
        self.min_confidence = min_confidence
        self.metrics = metrics

    def answer(self, message: str, hits: list[Hit], session: Session) -> Answer:
        fallback = offline_answer(hits, self.min_confidence)
        if self.client is None:
            return fallback
        # The same retrieval as the offline answer; the LLM also sees passages somewhat below
        # the answer threshold (it can ignore a marginal passage, not use one it never saw).
        context = [h for h in hits if h.confidence >= self.min_confidence / 2]
        messages = [{"role": "system", "content": prompts.build_system_prompt(
            [(h.passage.title, h.passage.text) for h in context])}]
        messages += [{"role": role, "content": text} for role, text in session.history]
        messages.append({"role": "user", "content": message})
        try:
            with SLOTS.released():  # only waiting from here: let another chat compute
                reply = self.client.complete(messages)
        except LlmError as exc:
            log.warning("LLM unavailable, answering offline: %s", exc)
            if self.metrics is not None:
                self.metrics.observe_llm_error()
            return fallback
        return Answer(reply, "llm", sources=[hit_source(h) for h in context])


def build_answerer(data: AssistantData, metrics: Metrics) -> LlmAnswerer:
    return LlmAnswerer(client_from_config(data), answer_threshold(data), metrics)
