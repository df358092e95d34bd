"""A gradient-boosted tree ensemble evaluated with numpy: the block classifier's model at run time.

The model is trained by ``python -m benchmarks.train_blocks`` (LightGBM, a development tool) and
saved as JSON: the feature names it was trained on and every tree flattened into node arrays.
Running it needs only numpy, and all trees are walked at once, level by level, for all blocks.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MODEL_PATH = Path(__file__).with_name("models") / "blocks.json.gz"
FORMAT = "newswatch-trees/1"


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """Binary classifier: the sum of the trees' leaf values, through a sigmoid.

    Nodes of all trees share flat arrays. A leaf points to itself with an infinite threshold, so
    walking ``depth`` levels leaves every tree on a leaf. ``children`` holds each node's right then
    left child, so one gather per level finds where every tree goes.
    """

    features: tuple[str, ...]
    feature: NDArray[np.int32]
    threshold: NDArray[np.float32]
    left: NDArray[np.int32]
    right: NDArray[np.int32]
    value: NDArray[np.float64]
    roots: NDArray[np.int32]
    depth: int
    cutoff: float  # probability at or above which a block is likely content (see maintext.content_blocks)
    # What the model was trained on and how it scored out of fold (see benchmarks.train_blocks);
    # not used to classify, kept so a benchmark can tell in-sample pages from unseen ones.
    training: dict[str, Any] = field(default_factory=dict)
    children: NDArray[np.intp] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children = np.stack([self.right, self.left], axis=1).ravel().astype(np.intp)
        object.__setattr__(self, "children", children)

    def probabilities(self, rows: NDArray[np.float32]) -> NDArray[np.float64]:
        """The probability that each row (block) is content."""
        count = rows.shape[0]
        if count == 0 or not len(self.roots):
            return np.zeros(count)
        flat = np.ascontiguousarray(rows, dtype=np.float32).ravel()
        offsets = np.arange(count, dtype=np.intp) * rows.shape[1]
        nodes = np.repeat(self.roots.astype(np.intp)[:, None], count, axis=1)
        for _ in range(self.depth):
            goes_left = flat[self.feature[nodes] + offsets] <= self.threshold[nodes]
            nodes = self.children[2 * nodes + goes_left]
        raw = self.value[nodes].sum(axis=0)
        return np.asarray(1.0 / (1.0 + np.exp(-raw)), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """The model as a JSON-ready dict (see ``from_json``)."""
        return {
            "format": FORMAT,
            "features": list(self.features),
            "depth": self.depth,
            "cutoff": self.cutoff,
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "threshold": [float(value) for value in self.threshold],
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(value), 7) for value in self.value],
            "training": self.training,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeEnsemble:
        """The model saved by ``to_json``; ValueError when the data is not such a model."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model: {data.get('format')!r}")
        threshold = np.asarray([np.inf if value is None else value for value in data["threshold"]])
        return cls(
            features=tuple(data["features"]),
            feature=np.asarray(data["feature"], dtype=np.int32),
            threshold=threshold.astype(np.float32),
            left=np.asarray(data["left"], dtype=np.int32),
            right=np.asarray(data["right"], dtype=np.int32),
            value=np.asarray(data["value"], dtype=np.float64),
            roots=np.asarray(data["roots"], dtype=np.int32),
            depth=int(data["depth"]),
            cutoff=float(data["cutoff"]),
            training=data.get("training") or {},
        )


def save_model(model: TreeEnsemble, path: Path = MODEL_PATH) -> None:
    """Write ``model`` as gzipped JSON (byte-identical for an identical model)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(model.to_json(), separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(payload, mtime=0))


@cache
def load_model(path: Path = MODEL_PATH) -> TreeEnsemble:
    """The model saved at ``path`` (read once per process)."""
    return TreeEnsemble.from_json(json.loads(gzip.decompress(path.read_bytes())))
