"""The generated service's retrieval on real customer questions nobody on the team wrote.

BANKING77 (PolyAI, CC BY 4.0; bench/datasets/banking77) as an FAQ, by the protocol of its
README: 57 intents with one train utterance each as the FAQ, every 4th test utterance as a
probe (held-out intents must get the fallback). Nothing here is tuned on these probes; the
confidence constants come from bench/calibrate_retrieval.py on the train split. The full
comparison with plain BM25 and nearest-neighbour search is `make bench` item 10.
"""

from __future__ import annotations

import pytest

from bench import banking77
from bench.retrieval_eval import Ours


@pytest.fixture(scope="module")
def probes() -> list[banking77.Probe]:
    return banking77.probes("test")[::4]


def _score(mode: str, probes: list[banking77.Probe]) -> banking77.Score:
    ours = Ours(banking77.faq(1), mode)
    return banking77.score(probes, [ours.answer(p.text) for p in probes])


def test_semantic_retrieval_answers_unseen_rewordings_and_rejects_unknown_intents(probes):
    semantic = _score("semantic", probes)
    lexical = _score("lexical", probes)
    print(f"\nsemantic {semantic}\nlexical  {lexical}")
    assert semantic.in_scope >= 0.40 and semantic.rejected >= 0.75
    assert semantic.balanced >= lexical.balanced + 0.05
    assert semantic.wrong <= 0.08  # a wrong answer is worse than the honest fallback
