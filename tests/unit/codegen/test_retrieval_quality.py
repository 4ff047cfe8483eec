"""Measurement: the generated service's retrieval vs rank-bm25 on paraphrased questions.

The corpus is the sample project's FAQ and documents; the questions are paraphrases a
customer would type (none reuses the FAQ wording). We compare top-1 accuracy of
(a) the generated retrieval (BM25 + light stemming + synonyms + coverage threshold),
(b) rank-bm25's BM25Okapi with plain lower-case word tokens, and
(c) rank-bm25 on the generated service's normalised terms (isolates the tokenizer's share).
Off-topic questions must get the fallback (no passage above the confidence threshold).
Run with ``-s`` to see the table.
"""

from __future__ import annotations

import re

import pytest
from rank_bm25 import BM25Okapi

PARAPHRASES = [
    ("I forgot my password, what now?", "How do I reset my password?"),
    ("I can't remember my login password", "How do I reset my password?"),
    ("lost my passcode", "How do I reset my password?"),
    ("How can I update my e-mail address?", "How do I change the email address on my account?"),
    ("I want to close my account for good", "How do I delete my account?"),
    ("Do you support 2FA?", "Can I enable two-factor authentication?"),
    ("Where is my parcel right now?", "How do I track my order?"),
    ("Can I follow my shipment?", "How do I track my order?"),
    ("How long will delivery take?", "How long does shipping take?"),
    ("How many days until my package arrives?", "How long does shipping take?"),
    ("Do you deliver abroad?", "Do you ship internationally?"),
    ("Can you send my order overseas?", "Do you ship internationally?"),
    ("Is delivery free?", "How much does shipping cost?"),
    ("What are the delivery fees?", "How much does shipping cost?"),
    ("I moved, can I update where my order is delivered?", "Can I change my delivery address after ordering?"),
    ("How do I send something back?", "How do I return an item?"),
    ("Where is my refund?", "When will I get my refund?"),
    ("When do I get my money back?", "When will I get my refund?"),
    ("Can I swap the shoes for a bigger size?", "Can I exchange an item for a different size?"),
    ("Do you take PayPal?", "Which payment methods do you accept?"),
    ("Can I pay by credit card?", "Which payment methods do you accept?"),
    ("I need a receipt for my purchase", "Where can I download my invoice?"),
    ("My card was rejected at checkout", "Why was my payment declined?"),
    ("Can I split the payment into monthly instalments?", "Can I pay in installments?"),
    ("I want to cancel what I just bought", "How do I cancel my order?"),
    ("The package arrived broken", "My item arrived damaged. What should I do?"),
    ("Where do I enter my coupon?", "How do I apply a discount code?"),
    ("Do you sell vouchers as presents?", "Do you offer gift cards?"),
    ("When is customer support open?", "What are your customer service hours?"),
    ("Stop sending me the newsletter", "How do I unsubscribe from the newsletter?"),
    ("Is my information secure with you?", "Is my personal data safe?"),
    ("What guarantee do your products have?", "Do products come with a warranty?"),
    ("Can I return a personalised mug?", "Returns policy"),
    ("How do reward points work?", "Loyalty programme"),
]
OFF_TOPIC = [
    "What is the capital of France?",
    "Write me a poem about the sea",
    "Who won the football match yesterday?",
    "How do I bake sourdough bread?",
    "How do I reset my bike?",
    "Do you have stores in Berlin?",
    "Can I buy a car?",
    "Is the app free?",
]


def _plain_tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.fixture
def retrieval(acme_spec, load_service):
    importer = load_service(acme_spec)
    data_mod = importer("assistant.data")
    retrieval_mod = importer("assistant.retrieval")
    text_mod = importer("assistant.text")
    settings_mod = importer("config.settings")
    data = data_mod.load_assistant_data()
    return retrieval_mod.Index.from_data(data), text_mod, settings_mod.MIN_CONFIDENCE


def test_generated_retrieval_beats_rank_bm25_on_paraphrases(retrieval, capsys):
    index, text_mod, min_conf = retrieval
    titles = [p.title for p in index.passages]
    docs_plain = [_plain_tokens(f"{p.title} {p.text}") for p in index.passages]
    docs_terms = [text_mod.terms(p.title) * (2 if p.kind == "faq" else 1) + text_mod.terms(p.text)
                  for p in index.passages]
    bm25_plain, bm25_terms = BM25Okapi(docs_plain), BM25Okapi(docs_terms)

    def top(bm25, tokens):
        scores = bm25.get_scores(tokens)
        return titles[max(range(len(scores)), key=lambda i: scores[i])]

    ours = plain = terms = answered = 0
    misses = []
    for question, expected in PARAPHRASES:
        hits = index.search(question)
        got = hits[0].passage.title if hits else None
        ours += got == expected
        answered += bool(hits and hits[0].coverage >= min_conf and got == expected)
        plain += top(bm25_plain, _plain_tokens(question)) == expected
        terms += top(bm25_terms, text_mod.terms(question)) == expected
        if got != expected:
            misses.append((question, got))
    rejected = sum(1 for q in OFF_TOPIC if not (h := index.search(q)) or h[0].coverage < min_conf)
    n = len(PARAPHRASES)
    with capsys.disabled():
        print(f"\nretrieval top-1 on {n} paraphrases: generated {ours}/{n} "
              f"(answered above threshold {answered}/{n}), rank-bm25 plain tokens {plain}/{n}, "
              f"rank-bm25 on our terms {terms}/{n}; off-topic rejected {rejected}/{len(OFF_TOPIC)}; "
              f"misses: {misses}")
    assert ours >= plain + 5, "own retrieval must clearly beat plain BM25 on paraphrases"
    assert ours / n >= 0.85, misses
    assert answered / n >= 0.75
    assert rejected >= len(OFF_TOPIC) - 1  # measured: 'Is the app free?' slips through
