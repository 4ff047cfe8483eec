"""The calibrated confidence that decides between the best passage and the honest fallback.

A raw cosine is not a probability: with one phrasing per FAQ entry a right answer may score
0.55 and a wrong one 0.65. What separates them better is the score together with how far the
best passage stands above the runner-up (a question that matches two entries equally well
is ambiguous) and how much of the question's information the passage contains word for word.
A logistic model over those three features turns them into the probability that the top
passage is the right answer; the service answers when it is at least ``THRESHOLD``.

Fitted by ``bench/calibrate_retrieval.py`` on the BANKING77 *train* split only (FAQs built
with one and with three phrasings per intent, probes from the remaining train questions,
held-out intents as the out-of-scope class), never on test questions. The constants below
are that script's output; they are general to the model, not to any client's FAQ.
"""

from __future__ import annotations

import math

# Weight of the lexical coverage added to the best cosine when ranking passages.
LEXICAL_WEIGHT = 0.2
# Standardisation and coefficients of (top score, margin over the runner-up, coverage).
MEAN = (0.770822, 0.141247, 0.432802)
SCALE = (0.150766, 0.132597, 0.271904)
COEF = (1.075551, 1.188394, -0.435424)
INTERCEPT = -0.246611
# Answer when the probability is at least this; below it, the honest fallback.
THRESHOLD = 0.43
# Below THRESHOLD but at least this likely, the reply asks "Did you mean <FAQ question>?"
# instead of answering: a wrong guess then costs the customer one "no", never a wrong
# answer. A product choice (one chance in twenty), not fitted to any data.
SUGGEST_FLOOR = 0.05
# Margin assumed when the knowledge base holds a single passage (no runner-up to compare).
LONE_MARGIN = 0.141247


def probability(top: float, margin: float, coverage: float) -> float:
    z = INTERCEPT
    for value, mean, scale, coef in zip((top, margin, coverage), MEAN, SCALE, COEF, strict=True):
        z += coef * (value - mean) / scale
    return 1.0 / (1.0 + math.exp(-z))
