"""The service's numpy encoder matches sentence-transformers on the host.

The reference vectors (tests/fixtures/minilm_reference.json) were computed by
sentence-transformers itself (scripts/make-embedding-reference.py): 200 varied sentences,
from empty strings and emoji to other scripts and texts past the 256-token truncation. The
same comparison inside a built image is tests/integration/codegen/test_semantic_image.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "minilm_reference.json"


def test_numpy_encoder_matches_sentence_transformers_on_200_varied_sentences(assistant_model_dir):
    from assistant_model import embedding_module

    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["embeddings"], dtype=np.float64)
    got = embedding_module().Encoder(assistant_model_dir).encode(reference["sentences"])
    cosines = (got * expected).sum(1) / np.linalg.norm(expected, axis=1)
    worst = int(cosines.argmin())
    assert len(cosines) == 200
    assert cosines.min() >= 0.99, f"{reference['sentences'][worst]!r}: cosine {cosines[worst]:.4f}"
