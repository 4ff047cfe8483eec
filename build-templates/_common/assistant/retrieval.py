"""Retrieval over FAQ entries and document passages: BM25 on normalised terms.

Why own code instead of a library: the index is small (hundreds of passages), it must be
explainable to a client ("which FAQ answered?"), and the image must stay small. BM25
(k1=1.2, b=0.75) ranks; a separate *coverage* score — the share of the question's
information (IDF-weighted terms) that the best passage contains — decides whether the
answer is good enough or the honest fallback is better. Unknown words count as fully
informative, so "capital of France" does not get a shipping answer.
"""

from __future__ import annotations

import heapq
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
    """BM25 over an inverted index built once at start-up.

    Why postings: a question shares terms with only a few passages, so scoring just those
    keeps /chat fast with thousands of FAQ entries. Each posting holds the term's whole BM25
    contribution for that passage (idf, term frequency and length norm are all known before
    any question arrives), computed with the very same expression as a full scan, and a
    passage's terms are summed in question order — so scores, coverage and ranking are
    bit-for-bit those of scoring every passage.
    """

    def __init__(self, passages: list[Passage], token_lists: list[list[str]]) -> None:
        self.passages = passages
        tfs = [Counter(toks) for toks in token_lists]
        lens = [len(toks) for toks in token_lists]
        avg = (sum(lens) / len(lens)) if lens else 0.0
        df: Counter[str] = Counter()
        for tf in tfs:
            df.update(tf.keys())
        n = len(passages)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0
        # term -> {passage position: the term's BM25 contribution to that passage}.
        self._postings: dict[str, dict[int, float]] = {}
        for pos, tf in enumerate(tfs):
            norm = K1 * (1 - B + B * lens[pos] / (avg or 1.0))
            for term, f in tf.items():
                idf = self._idf[term]
                self._postings.setdefault(term, {})[pos] = idf * f * (K1 + 1) / (f + norm)

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
        if not q_terms or not self.passages or k <= 0:
            return []
        total_info = sum(self.idf(t) for t in q_terms)
        scores: dict[int, float] = {}
        matched: dict[int, float] = {}
        for term in q_terms:  # question order, as a full scan adds them up
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self._idf[term]
            # Dict merges run in C; only passages already holding a score need a Python add.
            both = scores.keys() & postings.keys()
            scores = postings | scores
            matched = dict.fromkeys(postings, idf) | matched
            for pos in both:
                scores[pos] += postings[pos]
                matched[pos] += idf
        if not scores:
            return []
        # Every one of the best k has a score >= the k-th best score: rank only those fully.
        # The position breaks full ties the way a stable sort over passages in order did.
        cutoff = heapq.nlargest(k, scores.values())[-1]
        ranked = sorted(
            (-score, -(matched[pos] / total_info), self.passages[pos].kind, self.passages[pos].index, pos)
            for pos, score in scores.items() if score >= cutoff and score > 0
        )
        return [Hit(self.passages[pos], -neg_score, -neg_cov) for neg_score, neg_cov, _, _, pos in ranked[:k]]
