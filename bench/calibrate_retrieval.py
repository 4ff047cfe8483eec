"""Fit the semantic retrieval's confidence (assistant/confidence.py) on BANKING77 *train*.

    .venv/bin/python bench/calibrate_retrieval.py            # print the fitted constants
    .venv/bin/python bench/calibrate_retrieval.py --write    # and write them into the template

Only train utterances are read: FAQs with 1 and with 3 phrasings per intent (the protocol's
K), probes from the remaining train utterances, the held-out intents' train utterances as
out-of-scope. For each lexical weight on a small grid, a class-balanced logistic regression
over (top fused score, margin over the runner-up, lexical coverage of the top passage)
predicts "the top passage is right"; the weight and the probability threshold with the best
mean balanced accuracy over both K are kept. The test split is never touched here.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import banking77
from bench.retrieval_eval import TEMPLATE_CODE, Ours, encode, service_modules

WEIGHTS = (0.0, 0.05, 0.1, 0.2)
KS = (1, 3)


def features(k: int, vectors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    entries = banking77.faq(k)
    probes = banking77.probes("train", k)
    ours = Ours(entries)
    rows, right, inside = [], [], []
    for p in probes:
        order, scores, coverage = ours.index.rank(p.text, vectors[p.text], 2)
        rows.append((scores[0], scores[0] - scores[1], coverage.get(order[0], 0.0)))
        right.append(entries[ours.index.passages[order[0]].index].intent == p.intent)
        inside.append(p.intent is not None)
    return np.array(rows), np.array(right, dtype=float), np.array(inside)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    mean, scale = x.mean(0), x.std(0)
    z = np.c_[(x - mean) / scale, np.ones(len(x))]
    beta = np.zeros(z.shape[1])
    for _ in range(100):  # Newton steps of weighted logistic regression (tiny ridge)
        p = 1 / (1 + np.exp(-z @ beta))
        grad = z.T @ (w * (y - p))
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + 1e-8 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    return mean, scale, beta[:-1], float(beta[-1])


def balanced(p: np.ndarray, right: np.ndarray, inside: np.ndarray, t: float) -> float:
    answered = p >= t
    return (np.mean(answered[inside] & (right[inside] > 0)) + np.mean(~answered[~inside])) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the constants into assistant/confidence.py")
    args = parser.parse_args()
    mods = service_modules()
    texts = sorted({p.text for k in KS for p in banking77.probes("train", k)})
    print(f"encoding {len(texts)} train utterances...", file=sys.stderr)
    vectors = dict(zip(texts, encode(texts), strict=True))
    best = None
    for weight in WEIGHTS:
        mods["confidence"].LEXICAL_WEIGHT = weight
        per_k = [features(k, vectors) for k in KS]
        x = np.concatenate([f[0] for f in per_k])
        y = np.concatenate([f[1] for f in per_k])
        # Weights make in-scope and out-of-scope count equally within each K, as the metric does.
        w = np.concatenate([np.where(f[2], 0.5 / f[2].sum(), 0.5 / (~f[2]).sum()) for f in per_k])
        mean, scale, coef, intercept = fit(x, y, w)

        def prob(f, mean=mean, scale=scale, coef=coef, intercept=intercept):
            return 1 / (1 + np.exp(-(((f - mean) / scale) @ coef + intercept)))

        grid = np.round(np.arange(0.20, 0.80, 0.01), 2)
        dev = [np.mean([balanced(prob(f[0]), f[1], f[2], t) for f in per_k]) for t in grid]
        t = float(grid[int(np.argmax(dev))])
        print(f"lexical weight {weight}: train balanced {max(dev):.4f} at p >= {t}", file=sys.stderr)
        if best is None or max(dev) > best[0]:
            best = (max(dev), weight, mean, scale, coef, intercept, t)
    _, weight, mean, scale, coef, intercept, t = best
    fmt = lambda v: "(" + ", ".join(f"{x:.6f}" for x in v) + ")"  # noqa: E731
    constants = {
        "LEXICAL_WEIGHT": f"{weight}",
        "MEAN": fmt(mean), "SCALE": fmt(scale), "COEF": fmt(coef),
        "INTERCEPT": f"{intercept:.6f}", "THRESHOLD": f"{t}", "LONE_MARGIN": f"{mean[1]:.6f}",
    }
    for name, value in constants.items():
        print(f"{name} = {value}")
    if args.write:
        path = TEMPLATE_CODE / "assistant" / "confidence.py"
        source = path.read_text(encoding="utf-8")
        for name, value in constants.items():
            source = re.sub(rf"^{name} = .*$", f"{name} = {value}", source, count=1, flags=re.M)
        path.write_text(source, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
