"""The embedding index: one vector per FAQ phrasing, answer and document passage.

Computed when the image is built (``python -m assistant.vectors`` in its own layer, which
Docker keys by the content of ``knowledge.json``), so a container with thousands of FAQ
entries is healthy in seconds and a prompt edit does not recompute it. The file records the
digest of the knowledge it was computed from; the service refuses an index that does not
match instead of answering from stale vectors. Run outside an image (a developer's
``python main.py``), a missing index is computed at start-up, with a log line saying so.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.data import Knowledge, load_knowledge
from assistant.embedding import Encoder
from assistant.retrieval import Passage, passages_of, semantic_texts

INDEX_FILE = "vectors.npz"
DEFAULT_INDEX_DIR = Path(__file__).resolve().parents[1] / "assistant_index"
log = logging.getLogger("assistant.vectors")


class IndexMismatch(RuntimeError):
    """The index on disk was computed from other knowledge than the service holds."""


def index_file() -> Path:
    override = os.environ.get("ASSISTANT_INDEX_DIR")
    return (Path(override) if override else DEFAULT_INDEX_DIR) / INDEX_FILE


def compute(passages: list[Passage], encoder: Encoder,
            on_progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    texts: list[str] = []
    owners: list[int] = []
    for pos, passage in enumerate(passages):
        for text in semantic_texts(passage):
            texts.append(text)
            owners.append(pos)
    return encoder.encode(texts, on_progress=on_progress), np.asarray(owners, dtype=np.int32)


class ProgressLine:
    """Prints "n/total texts" at most every few seconds: a long index build keeps the build
    log moving, so neither the user nor the build's idle-stream watchdog takes it for a hang."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.every_s = every_s
        self.started = self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s or done == total:
            self.last = now
            print(f"embedding index: {done}/{total} texts ({now - self.started:.0f} s)", flush=True)


def build(knowledge: Knowledge, encoder: Encoder, dest: Path,
          on_progress: Callable[[int, int], None] | None = None) -> Path:
    vectors, owners = compute(passages_of(knowledge), encoder, on_progress)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp.npz")
    # float16 on disk halves the index layer (a cosine moves by < 1e-3); float32 in memory.
    np.savez(tmp, vectors=vectors.astype(np.float16), owners=owners, digest=np.array(knowledge.digest))
    os.replace(tmp, dest)
    return dest


def load(knowledge: Knowledge, encoder: Encoder, path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The stored vectors for ``knowledge``; computed now when no index file exists."""
    target = path or index_file()
    if not target.is_file():
        started = time.perf_counter()
        vectors, owners = compute(passages_of(knowledge), encoder)
        log.warning("no embedding index at %s: computed %d vectors at start-up in %.1f s",
                    target, len(vectors), time.perf_counter() - started)
        return vectors, owners
    with np.load(target) as stored:
        digest = str(stored["digest"])
        if digest != knowledge.digest:
            raise IndexMismatch(
                f"{target} was computed from other knowledge (digest {digest[:12]}, "
                f"knowledge.json {knowledge.digest[:12]}); rebuild the image")
        return stored["vectors"].astype(np.float32), stored["owners"]


def main() -> int:
    started = time.perf_counter()
    knowledge = load_knowledge()
    path = build(knowledge, Encoder(), index_file(), ProgressLine())
    print(f"embedding index: {len(knowledge.faq)} FAQ entries, {len(knowledge.documents)} documents "
          f"-> {path} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
