"""One chat turn: business rules first, then small talk, then retrieval (and the LLM, if any).

The order is the contract the client signs off: a rule always wins over a retrieved answer,
and a question the knowledge base cannot answer gets an honest fallback offering a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from assistant import confidence
from assistant.data import AssistantData
from assistant.retrieval import (
    Hit,
    Passage,
    Retriever,
    build_retriever,
    default_threshold,
)
from assistant.rules import RuleBook
from assistant.sessions import Session, SessionStore
from assistant.text import words
from config import prompts, settings

GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "morning", "good", "afternoon", "evening", "there", "hallo", "bonjour", "hola"})
THANKS = frozenset({"thanks", "thank", "you", "thx", "ty", "cheers", "much", "many", "great", "ok", "okay"})
YES = frozenset({"yes", "yeah", "yep", "sure", "please", "ok", "okay", "y", "yup", "go", "ahead"})
NO = frozenset({"no", "nope", "nah", "n", "not", "now", "thanks", "thank", "you"})


@dataclass
class Answer:
    reply: str
    source: str  # metrics label: rule, faq, document, llm, greeting, thanks, fallback, handoff
    handoff: bool = False
    sources: list[dict[str, object]] = field(default_factory=list)
    offers_handoff: bool = False
    suggested: Passage | None = None  # the FAQ entry a "Did you mean ...?" reply asked about


class Answerer(Protocol):
    def answer(self, message: str, hits: list[Hit], session: Session) -> Answer: ...


def hit_source(hit: Hit) -> dict[str, object]:
    return {"type": hit.passage.kind, "title": hit.passage.title, "score": round(hit.confidence, 3)}


def answer_threshold(data: AssistantData) -> float:
    """MIN_CONFIDENCE from the environment, else the retrieval mode's calibrated threshold."""
    if settings.MIN_CONFIDENCE is not None:
        return settings.MIN_CONFIDENCE
    return default_threshold(data.retrieval)


def offline_answer(hits: list[Hit], min_confidence: float) -> Answer:
    """The best retrieved passage when its confidence reaches the threshold; a "Did you
    mean ...?" about a likely FAQ entry (semantic retrieval only); else the fallback."""
    if hits and hits[0].confidence >= min_confidence:
        best = hits[0]
        return Answer(best.passage.text, best.passage.kind, sources=[hit_source(best)])
    if hits and hits[0].calibrated and hits[0].passage.kind == "faq" \
            and hits[0].confidence >= confidence.SUGGEST_FLOOR:
        best = hits[0]
        return Answer(prompts.SUGGESTION_REPLY.format(question=best.passage.title), "suggestion",
                      sources=[{**hit_source(best), "type": "suggestion"}], suggested=best.passage)
    return Answer(prompts.FALLBACK_REPLY, "fallback", offers_handoff=True)


class ChatService:
    def __init__(
        self, data: AssistantData, answerer: Answerer, *, top_k: int = 3,
        on_rule_timeout: Callable[[str], None] | None = None,
    ) -> None:
        self.data = data
        self.rules = RuleBook(data.rules, on_timeout=on_rule_timeout)
        self.index: Retriever = build_retriever(data)
        self.sessions = SessionStore()
        self.answerer = answerer
        self.top_k = top_k

    def chat(self, message: str, session_id: str | None = None) -> tuple[Answer, Session]:
        session = self.sessions.get(session_id)
        answer = self._answer(message, session)
        session.offered_handoff = answer.offers_handoff
        session.suggested = answer.suggested
        self.sessions.record_turn(session, message, answer.reply)  # keeps the store's byte count
        return answer, session

    def _answer(self, message: str, session: Session) -> Answer:
        rule = self.rules.first_match(message)
        if rule is not None:
            return Answer(rule.reply, "rule", handoff=rule.handoff,
                          sources=[{"type": "rule", "title": rule.name, "score": 1.0}])
        tokens = set(words(message))
        suggested = session.suggested
        if isinstance(suggested, Passage) and tokens and tokens <= YES:
            return Answer(suggested.text, suggested.kind,
                          sources=[{"type": suggested.kind, "title": suggested.title, "score": 1.0}])
        if isinstance(suggested, Passage) and tokens and tokens <= NO:
            return Answer(prompts.HANDOFF_REPLY, "handoff", handoff=True)
        if session.offered_handoff and tokens and tokens <= YES:
            return Answer(prompts.HANDOFF_REPLY, "handoff", handoff=True)
        if session.offered_handoff and tokens and tokens <= NO:
            return Answer(prompts.DECLINED_REPLY, "declined")
        if tokens and tokens <= GREETINGS:
            return Answer(prompts.GREETING, "greeting")
        if tokens and tokens <= THANKS and tokens & {"thanks", "thank", "thx", "ty", "cheers"}:
            return Answer(prompts.THANKS_REPLY, "thanks")
        hits = self.index.search(message, k=self.top_k)
        return self.answerer.answer(message, hits, session)
