"""Retrieval over FAQ entries and document passages: BM25 on normalised terms.

Why own code instead of a library: the index is small (hundreds of passages), it must be
explainable to a client ("which FAQ answered?"), and the image must stay small. BM25
(k1=1.2, b=0.75) ranks; a separate *coverage* score — the share of the question's
information (IDF-weighted terms) that the best passage contains — decides whether the
answer is good enough or the honest fallback is better. Unknown words count as fully
informative, so "capital of France" does not get a shipping answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from assistant.data import AssistantData
from assistant.text import terms

K1 = 1.2
B = 0.75
QUESTION_WEIGHT = 2  # a FAQ question says what the entry is about better than its answer
MAX_PASSAGE_CHARS = 700
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    kind: str  # "faq" | "document"
    title: str  # the FAQ question or the document title
    text: str  # the FAQ answer or the passage text
    index: int  # position of the FAQ entry / document in the data file


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    coverage: float


def split_passages(text: str, max_chars: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Paragraphs, with long ones cut at sentence ends, so an answer stays short."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if not para:
            continue
        chunk = ""
        for sentence in _SENTENCE_RE.split(para):
            if chunk and len(chunk) + len(sentence) + 1 > max_chars:
                out.append(chunk)
                chunk = sentence
            else:
                chunk = f"{chunk} {sentence}".strip()
        if chunk:
            out.append(chunk)
    return out


class Index:
    def __init__(self, passages: list[Passage], token_lists: list[list[str]]) -> None:
        self.passages = passages
        self._tfs = [Counter(toks) for toks in token_lists]
        self._lens = [len(toks) for toks in token_lists]
        self._avg = (sum(self._lens) / len(self._lens)) if self._lens else 0.0
        df: Counter[str] = Counter()
        for tf in self._tfs:
            df.update(tf.keys())
        n = len(passages)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    @classmethod
    def from_data(cls, data: AssistantData) -> Index:
        passages: list[Passage] = []
        tokens: list[list[str]] = []
        for i, entry in enumerate(data.faq):
            passages.append(Passage("faq", entry.question, entry.answer, i))
            tokens.append(terms(entry.question) * QUESTION_WEIGHT + terms(entry.answer))
        for i, doc in enumerate(data.documents):
            for chunk in split_passages(doc.text):
                passages.append(Passage("document", doc.title, chunk, i))
                tokens.append(terms(doc.title) + terms(chunk))
        return cls(passages, tokens)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        q_terms = list(dict.fromkeys(terms(query)))  # unique, in order
        if not q_terms or not self.passages:
            return []
        total_info = sum(self.idf(t) for t in q_terms)
        scored: list[Hit] = []
        for pos, tf in enumerate(self._tfs):
            score = 0.0
            matched = 0.0
            norm = K1 * (1 - B + B * self._lens[pos] / (self._avg or 1.0))
            for term in q_terms:
                f = tf.get(term)
                if f:
                    idf = self.idf(term)
                    score += idf * f * (K1 + 1) / (f + norm)
                    matched += idf
            if score > 0:
                scored.append(Hit(self.passages[pos], score, matched / total_info))
        scored.sort(key=lambda h: (-h.score, -h.coverage, h.passage.kind, h.passage.index))
        return scored[:k]
