"""BANKING77 as an FAQ benchmark, following the protocol in datasets/banking77/README.md.

Real customer questions (PolyAI, CC BY 4.0) that nobody on this team wrote. The first 57
intents become the FAQ (the first K train utterances of each as its phrasings, one answer
per intent starting with the intent's words); every test utterance of those intents is an
in-scope probe, every test utterance of the 20 held-out intents an out-of-scope probe whose
right reply is the honest fallback. Anything tuned is tuned on ``train`` only.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "datasets" / "banking77"
FAQ_INTENTS = 57
# The rest of each answer is the same for every intent, so an answer says nothing beyond
# its intent's words (the protocol fixes only that it starts with them).
ANSWER_TAIL = "here is what you need to know."


@dataclass(frozen=True)
class Entry:
    intent: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Probe:
    text: str
    intent: str | None  # None: out of scope, the right reply is the fallback


def intents() -> tuple[list[str], list[str]]:
    names = json.loads((DATA / "categories.json").read_text(encoding="utf-8"))
    return names[:FAQ_INTENTS], names[FAQ_INTENTS:]


def rows(split: str) -> list[tuple[str, str]]:
    with (DATA / f"{split}.csv").open(encoding="utf-8", newline="") as fh:
        return [(r["text"], r["category"]) for r in csv.DictReader(fh)]


def answer_for(intent: str) -> str:
    return f"{intent.replace('_', ' ').capitalize()}: {ANSWER_TAIL}"


def faq(k: int) -> list[Entry]:
    """One entry per FAQ intent: its first ``k`` train utterances and its answer."""
    faq_intents, _ = intents()
    by_intent: dict[str, list[str]] = {i: [] for i in faq_intents}
    for text, intent in rows("train"):
        if intent in by_intent and len(by_intent[intent]) < k:
            by_intent[intent].append(text)
    return [Entry(i, tuple(by_intent[i]), answer_for(i)) for i in faq_intents]


def probes(split: str, k: int = 0) -> list[Probe]:
    """Every utterance of ``split``; for ``train`` without the ``k`` used as FAQ phrasings."""
    faq_intents, held_out = intents()
    used = {q for e in faq(k) for q in e.questions} if split == "train" and k else set()
    out = []
    for text, intent in rows(split):
        if text in used:
            continue
        if intent in faq_intents:
            out.append(Probe(text, intent))
        elif intent in held_out:
            out.append(Probe(text, None))
    return out


@dataclass(frozen=True)
class Score:
    in_scope: float  # share of in-scope probes answered with their intent's entry
    rejected: float  # share of out-of-scope probes given the fallback
    wrong: float  # share of all probes answered with a wrong entry
    wrong_count: int

    @property
    def balanced(self) -> float:
        return (self.in_scope + self.rejected) / 2


def score(probe_list: list[Probe], answers: list[str | None]) -> Score:
    """``answers[i]``: the intent whose entry answered probe i, or None for the fallback."""
    inside = [(p, a) for p, a in zip(probe_list, answers, strict=True) if p.intent is not None]
    outside = [(p, a) for p, a in zip(probe_list, answers, strict=True) if p.intent is None]
    wrong = sum(1 for p, a in zip(probe_list, answers, strict=True) if a is not None and a != p.intent)
    return Score(
        in_scope=sum(a == p.intent for p, a in inside) / max(1, len(inside)),
        rejected=sum(a is None for _, a in outside) / max(1, len(outside)),
        wrong=wrong / max(1, len(probe_list)),
        wrong_count=wrong,
    )
