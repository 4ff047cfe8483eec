"""Project specs the benchmarks build: the sample, a 5,000-entry FAQ, and store fillers.

Everything is derived from ``examples/acme-support.yaml`` so the figures describe the
product's own sample; only the slug, client and port change (see common.SAMPLE_PORT for
why), and the large project adds synthetic but varied FAQ entries (seeded, deterministic).
"""

from __future__ import annotations

import copy
import functools
import random
from typing import Any

from bench.common import (
    BENCH_CLIENT,
    FAQ_PORT,
    FAQ_SLUG,
    LEXICAL_PORT,
    LEXICAL_SLUG,
    SAMPLE_PORT,
    SAMPLE_SLUG,
)
from pixel_desktop import paths
from pixel_desktop.spec import ProjectSpec, dump_spec, load_spec_file, spec_from_data
from pixel_desktop.spec.yaml_io import spec_to_data

FAQ_ENTRIES = 5000
# The /chat request wrk sends: answered by retrieval (no business rule matches it).
CHAT_QUESTION = "How long does shipping take?"

_TOPICS = (
    "account", "invoice", "delivery", "parcel", "warranty", "voucher", "subscription", "refund",
    "password", "address", "payment", "installment", "newsletter", "exchange", "locker", "courier",
    "receipt", "profile", "loyalty", "points", "gift", "card", "order", "basket", "checkout",
    "coupon", "tracking", "label", "pickup", "store", "catalogue", "size", "colour", "stock",
)
_ACTIONS = (
    "change", "cancel", "renew", "verify", "download", "update", "transfer", "merge", "split",
    "pause", "resume", "report", "replace", "activate", "close", "export", "print", "share",
)
_CONTEXTS = (
    "from abroad", "on the mobile app", "after checkout", "for a business account",
    "before shipping", "for a gift", "with two addresses", "during a sale", "on a weekend",
    "for a second household", "without a receipt", "after moving house",
)


@functools.cache
def _sample_data() -> dict[str, Any]:
    return spec_to_data(load_spec_file(paths.sample_spec_file()))


def sample_data() -> dict[str, Any]:
    """A fresh copy of the sample spec's data (parsed once: YAML parsing is slow)."""
    return copy.deepcopy(_sample_data())


def sample_spec() -> ProjectSpec:
    data = sample_data()
    data.update(slug=SAMPLE_SLUG, client=BENCH_CLIENT, name="Bench Sample Bot")
    data["deployment"]["port"] = SAMPLE_PORT
    return spec_from_data(data, source="bench sample")


def lexical_sample_spec() -> ProjectSpec:
    """The sample in the lean lexical retrieval mode (no model, no numpy: the smallest image)."""
    data = sample_data()
    data.update(slug=LEXICAL_SLUG, client=BENCH_CLIENT, name="Bench Sample Lexical Bot", retrieval="lexical")
    data["deployment"]["port"] = LEXICAL_PORT
    return spec_from_data(data, source="bench lexical sample")


def with_prompt(spec: ProjectSpec, prompt: str) -> ProjectSpec:
    """The same spec with only the system prompt changed (incremental rebuild)."""
    data = spec_to_data(spec)
    data["personality"]["system_prompt"] = prompt
    return spec_from_data(data, source="bench prompt change")


def faq_entries(n: int, seed: int = 5000) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        topic, other = rng.sample(_TOPICS, 2)
        action = rng.choice(_ACTIONS)
        ctx = rng.choice(_CONTEXTS)
        out.append(
            {
                "question": f"How do I {action} my {topic} {other} {ctx} (case {i})?",
                "answer": (
                    f"To {action} your {topic} {other} {ctx}, open Settings > {topic.title()} and "
                    f"choose {action.title()}. Reference {i:05d}; changes apply within "
                    f"{1 + i % 5} business days."
                ),
            }
        )
    return out


def faq_spec(entries: int = FAQ_ENTRIES) -> ProjectSpec:
    data = sample_data()
    data.update(slug=FAQ_SLUG, client=BENCH_CLIENT, name="Bench FAQ 5000 Bot")
    data["deployment"]["port"] = FAQ_PORT
    faq = list(data["training_data"]["faq"])
    faq += faq_entries(max(0, entries - len(faq)))
    data["training_data"]["faq"] = faq[:entries]
    return spec_from_data(data, source="bench faq")


def filler_fields(i: int) -> dict[str, str]:
    """What makes store-benchmark project ``i`` unique (100 clients, sample-sized specs)."""
    return {
        "name": f"Assistant {i:05d}",
        "slug": f"store-bench-{i:05d}",
        "client": f"Client {i % 100:03d}",
        "description": f"Store benchmark project {i}.",
    }


def filler_yaml(i: int) -> str:
    data = sample_data()
    data.update(filler_fields(i))
    return dump_spec(spec_from_data(data, source=f"filler {i}"))
