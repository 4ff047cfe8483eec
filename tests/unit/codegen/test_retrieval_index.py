"""The inverted-index search returns exactly what scoring every passage returned.

`Index.search` scores only passages sharing a question term (postings built at start-up).
That is a speed change only: the ranking, the scores and the coverage values (which the
confidence threshold is applied to) must be bit-for-bit those of the previous full scan.
`full_scan` below is that previous scorer, kept verbatim as the reference.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter

import pytest

from bench import banking77

K1 = 1.2
B = 0.75


def full_scan(index, token_lists: list[list[str]], terms, query: str, k: int = 3) -> list[tuple]:
    """The pre-postings scorer: every passage scored for every question."""
    tfs = [Counter(toks) for toks in token_lists]
    lens = [len(toks) for toks in token_lists]
    avg = (sum(lens) / len(lens)) if lens else 0.0
    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    n = len(token_lists)
    idf_map = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
    unknown = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    def idf(term: str) -> float:
        return idf_map.get(term, unknown)

    q_terms = list(dict.fromkeys(terms(query)))
    if not q_terms or not token_lists:
        return []
    total_info = sum(idf(t) for t in q_terms)
    scored = []
    for pos, tf in enumerate(tfs):
        score = 0.0
        matched = 0.0
        norm = K1 * (1 - B + B * lens[pos] / (avg or 1.0))
        for term in q_terms:
            f = tf.get(term)
            if f:
                term_idf = idf(term)
                score += term_idf * f * (K1 + 1) / (f + norm)
                matched += term_idf
        if score > 0:
            scored.append((index.passages[pos], score, matched / total_info))
    scored.sort(key=lambda h: (-h[1], -h[2], h[0].kind, h[0].index))
    return scored[:k]


def _tokens(data, retrieval_mod, terms) -> list[list[str]]:
    """The token lists `Index.from_data` builds, in passage order."""
    out = [[t for q in (e.question, *e.questions) for t in terms(q)] * retrieval_mod.QUESTION_WEIGHT
           + terms(e.answer) for e in data.faq]
    for doc in data.documents:
        out += [terms(doc.title) + terms(chunk) for chunk in retrieval_mod.split_passages(doc.text)]
    return out


# Real customer questions (BANKING77 test split), not written for this FAQ.
QUERIES = [p.text for p in banking77.probes("test")[::40]]


def _synthetic_faq(data_mod, n: int, seed: int = 5000) -> tuple:
    """Varied entries with repeated wording, so many passages tie on score and coverage."""
    rng = random.Random(seed)
    topics = ["password", "order", "refund", "invoice", "parcel", "account", "voucher", "warranty",
              "delivery", "payment", "newsletter", "address", "size", "coupon", "subscription"]
    actions = ["change", "cancel", "reset", "track", "return", "update", "download", "apply", "delete"]
    contexts = ["on mobile", "after checkout", "abroad", "for a gift", "as a business", "today"]
    entries = []
    for i in range(n):
        topic, other = rng.sample(topics, 2)
        action, ctx = rng.choice(actions), rng.choice(contexts)
        tail = f" (case {i})" if i % 3 else ""  # every third entry is an exact duplicate of others
        entries.append(data_mod.FaqEntry(
            f"How do I {action} my {topic} {other} {ctx}{tail}?",
            f"To {action} your {topic} {other} {ctx}, open Settings > {topic.title()}. "
            f"It takes {1 + i % 5} business days.",
        ))
    return tuple(entries)


@pytest.fixture
def modules(acme_spec, load_service):
    importer = load_service(acme_spec)
    return importer("assistant.data"), importer("assistant.retrieval"), importer("assistant.text")


def _assert_same(index, tokens, terms, queries, k: int) -> int:
    compared = 0
    for query in queries:
        got = [(h.passage, h.score, h.coverage) for h in index.search(query, k=k)]
        expected = full_scan(index, tokens, terms, query, k=k)
        assert got == expected, query  # exact float equality: same scores, same confidence
        compared += len(expected)
    return compared


def test_postings_search_matches_full_scan_on_sample_paraphrases(modules):
    data_mod, retrieval_mod, text_mod = modules
    data = data_mod.load_assistant_data()
    index = retrieval_mod.Index.from_data(data)
    tokens = _tokens(data, retrieval_mod, text_mod.terms)
    queries = QUERIES + [e.question for e in data.faq] + ["", "?!", "the a of"]
    for k in (1, 3, len(index.passages) + 5):
        assert _assert_same(index, tokens, text_mod.terms, queries, k) > 0


def test_postings_search_matches_full_scan_on_5000_synthetic_faq_entries(modules):
    data_mod, retrieval_mod, text_mod = modules
    data = dataclasses.replace(data_mod.load_assistant_data(), faq=_synthetic_faq(data_mod, 5000))
    index = retrieval_mod.Index.from_data(data)
    tokens = _tokens(data, retrieval_mod, text_mod.terms)
    rng = random.Random(7)
    words = sorted({w for toks in tokens for w in toks})
    queries = list(QUERIES)
    queries += [e.question for e in data.faq[:40]]  # duplicates: full ties broken by position
    queries += [" ".join(rng.sample(words, rng.randint(1, 6))) for _ in range(60)]
    queries += ["How do I reset my password on mobile?", "refund refund refund", "case 4999"]
    assert _assert_same(index, tokens, text_mod.terms, queries, 3) > 0
    assert _assert_same(index, tokens, text_mod.terms, queries[:15], 50) > 0
