"""Offline answers only: the best FAQ/document passage, or the honest fallback."""

from __future__ import annotations

from assistant.data import AssistantData
from assistant.metrics import Metrics
from assistant.retrieval import Hit
from assistant.service import Answer, answer_threshold, offline_answer
from assistant.sessions import Session

MODE = "offline"


class OfflineAnswerer:
    def __init__(self, min_confidence: float) -> None:
        self.min_confidence = min_confidence

    def answer(self, message: str, hits: list[Hit], session: Session) -> Answer:
        return offline_answer(hits, self.min_confidence)


def build_answerer(data: AssistantData, metrics: Metrics) -> OfflineAnswerer:
    return OfflineAnswerer(answer_threshold(data))
