"""Retrieval over FAQ entries and document passages: lexical BM25, and semantic fusion.

Two modes, chosen in the spec (``retrieval``):

- ``lexical``: BM25 (k1=1.2, b=0.75) ranks; *coverage* - the share of the question's
  information (IDF-weighted terms) that the passage contains - is the confidence. Unknown
  words count as fully informative, so "capital of France" does not get a shipping answer.
  Smallest image: no numpy, no model.
- ``semantic`` (default): every FAQ phrasing, every answer and every document passage has a
  sentence embedding computed when the image is built (assistant.vectors). A passage's
  semantic score is the best cosine between the question and any of its texts; the lexical
  coverage is added with a small weight (exact names, codes and rare words the model blurs);
  the confidence is a calibrated probability that the top passage is the right one
  (assistant.confidence), from the top score, its margin over the runner-up and its coverage.

Why own BM25 code instead of a library: the index is small, it must be explainable to a
client ("which FAQ answered?"), and the image must stay small.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant import confidence
from assistant.data import AssistantData, Knowledge
from assistant.text import terms

if TYPE_CHECKING:  # numpy is only in the semantic image
    import numpy as np

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
    phrasings: tuple[str, ...] = ()  # the FAQ question and its alternatives (empty for documents)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # ranking score (BM25, or fused semantic + lexical)
    coverage: float  # share of the question's information the passage contains
    confidence: float  # what the answer/fallback decision compares with the threshold
    calibrated: bool = False  # confidence is a calibrated probability (semantic retrieval)


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


def passages_of(data: AssistantData | Knowledge) -> list[Passage]:
    """FAQ entries first (data order), then document passages: the order the vectors use."""
    out: list[Passage] = []
    for i, entry in enumerate(data.faq):
        out.append(Passage("faq", entry.question, entry.answer, i, (entry.question, *entry.questions)))
    for i, doc in enumerate(data.documents):
        for chunk in split_passages(doc.text):
            out.append(Passage("document", doc.title, chunk, i))
    return out


def semantic_texts(passage: Passage) -> list[str]:
    """What gets an embedding: each phrasing and the answer, or "title: passage"."""
    if passage.kind == "faq":
        return [*passage.phrasings, passage.text]
    return [f"{passage.title}: {passage.text}"]


def lexical_tokens(passage: Passage) -> list[str]:
    if passage.kind == "faq":
        asked = [t for phrasing in passage.phrasings for t in terms(phrasing)]
        return asked * QUESTION_WEIGHT + terms(passage.text)
    return terms(passage.title) + terms(passage.text)


class Index:
    """BM25 over an inverted index built once at start-up.

    Why postings: a question shares terms with only a few passages, so scoring just those
    keeps /chat fast with thousands of FAQ entries. Each posting holds the term's whole BM25
    contribution for that passage (idf, term frequency and length norm are all known before
    any question arrives), computed with the very same expression as a full scan, and a
    passage's terms are summed in question order - so scores, coverage and ranking are
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
    def from_passages(cls, passages: list[Passage]) -> Index:
        return cls(passages, [lexical_tokens(p) for p in passages])

    @classmethod
    def from_data(cls, data: AssistantData | Knowledge) -> Index:
        return cls.from_passages(passages_of(data))

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    def score_all(self, query: str) -> tuple[dict[int, float], dict[int, float]]:
        """BM25 score and coverage of every passage sharing a term with ``query``."""
        q_terms = list(dict.fromkeys(terms(query)))  # unique, in order
        if not q_terms or not self.passages:
            return {}, {}
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
        return scores, {pos: info / total_info for pos, info in matched.items()}

    def search(self, query: str, k: int = 3) -> list[Hit]:
        if k <= 0:
            return []
        scores, coverage = self.score_all(query)
        if not scores:
            return []
        # Every one of the best k has a score >= the k-th best score: rank only those fully.
        # The position breaks full ties the way a stable sort over passages in order did.
        cutoff = heapq.nlargest(k, scores.values())[-1]
        ranked = sorted(
            (-score, -coverage[pos], self.passages[pos].kind, self.passages[pos].index, pos)
            for pos, score in scores.items() if score >= cutoff and score > 0
        )
        return [Hit(self.passages[pos], -neg_score, -neg_cov, -neg_cov)
                for neg_score, neg_cov, _, _, pos in ranked[:k]]


class SemanticIndex:
    """Embedding vectors of every passage's texts plus the lexical index, fused per question.

    ``vectors`` holds one row per text of ``semantic_texts`` in passage order, and
    ``owners[i]`` is the passage of row i, so a passage's best text is one ``maximum.reduceat``.
    """

    def __init__(self, lexical: Index, vectors: np.ndarray, owners: np.ndarray, encoder) -> None:
        import numpy as np

        self.lexical = lexical
        self.passages = lexical.passages
        self.vectors = vectors
        self.encoder = encoder
        self._starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
        if len(self._starts) != len(self.passages):
            raise ValueError(f"{len(self.passages)} passages but vectors for {len(self._starts)}")

    def search(self, query: str, k: int = 3) -> list[Hit]:
        if k <= 0 or not self.passages or not query.strip():
            return []
        return self.search_encoded(query, self.encoder.encode_one(query), k)

    def rank(self, query: str, vector: np.ndarray, n: int) -> tuple[list[int], list[float], dict[int, float]]:
        """The best ``n`` passages (best first), their fused scores, and every coverage."""
        import numpy as np

        best = np.maximum.reduceat(self.vectors @ vector, self._starts)
        _, coverage = self.lexical.score_all(query)
        fused = best.astype(np.float64)
        for pos, cov in coverage.items():
            fused[pos] += confidence.LEXICAL_WEIGHT * cov
        n = min(len(fused), n)
        top = np.argpartition(-fused, n - 1)[:n] if n < len(fused) else np.arange(len(fused))
        order = sorted(top.tolist(), key=lambda pos: (-fused[pos], self.passages[pos].kind, self.passages[pos].index, pos))
        return order, [float(fused[pos]) for pos in order], coverage

    def search_encoded(self, query: str, vector: np.ndarray, k: int = 3) -> list[Hit]:
        order, scores, coverage = self.rank(query, vector, max(k, 2))
        if not order:
            return []
        margin = scores[0] - scores[1] if len(scores) > 1 else confidence.LONE_MARGIN
        hits = [Hit(self.passages[order[0]], scores[0], coverage.get(order[0], 0.0),
                    confidence.probability(scores[0], margin, coverage.get(order[0], 0.0)), True)]
        for pos, score in zip(order[1:k], scores[1:k], strict=False):
            # A runner-up's margin over the passage above it is not positive: none is confident.
            cov = coverage.get(pos, 0.0)
            hits.append(Hit(self.passages[pos], score, cov, confidence.probability(score, 0.0, cov), True))
        return hits


class Retriever(Protocol):
    def search(self, query: str, k: int = 3) -> list[Hit]: ...


def default_threshold(mode: str) -> float:
    """The confidence an answer needs: calibrated for semantic, coverage share for lexical."""
    return confidence.THRESHOLD if mode == "semantic" else LEXICAL_MIN_COVERAGE


LEXICAL_MIN_COVERAGE = 0.5


def build_retriever(data: AssistantData) -> Retriever:
    """The retriever for the data's mode; semantic loads the model and the stored vectors."""
    lexical = Index.from_data(data)
    if data.retrieval != "semantic":
        return lexical
    from assistant import vectors
    from assistant.embedding import Encoder

    encoder = Encoder()
    knowledge = Knowledge(data.faq, data.documents, data.knowledge_digest)
    stored, owners = vectors.load(knowledge, encoder)
    return SemanticIndex(lexical, stored, owners, encoder)
