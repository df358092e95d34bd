"""The extraction benchmark tells the pages the block model was trained on from unseen ones."""

from __future__ import annotations

import math

import numpy as np

from benchmarks.training_pages import out_of_fold_scores, page_digest, training_record
from extractors.classifier import TreeEnsemble, load_model, save_model

SEEN = b"<html><body><p>A page the model was trained on.</p></body></html>"
UNSEEN = b"<html><body><p>A page it never saw.</p></body></html>"


def _model(training: dict) -> TreeEnsemble:
    """A one-leaf model that carries ``training``."""
    return TreeEnsemble(
        features=("a",),
        feature=np.zeros(1, dtype=np.int32),
        threshold=np.asarray([np.inf], dtype=np.float32),
        left=np.zeros(1, dtype=np.int32),
        right=np.zeros(1, dtype=np.int32),
        value=np.zeros(1),
        roots=np.zeros(1, dtype=np.int32),
        depth=0,
        cutoff=0.5,
        training=training,
    )


def test_in_sample_pages_get_their_out_of_fold_scores_and_unseen_pages_none(tmp_path) -> None:
    record = training_record({page_digest(SEEN): (0.9, 0.8, 0.84712)}, data="dev", folds=5)
    path = tmp_path / "model.json.gz"
    save_model(_model(record), path)
    model = load_model(path)
    assert out_of_fold_scores([UNSEEN, SEEN], model) == [None, (0.9, 0.8, 0.8471)]
    assert out_of_fold_scores([UNSEEN], model) is None


def test_a_page_trained_on_without_cross_validation_has_no_honest_figure() -> None:
    model = _model(training_record({page_digest(SEEN): None}, data="dev", folds=0))
    [scores] = out_of_fold_scores([SEEN], model) or [None]
    assert scores is not None and all(math.isnan(value) for value in scores)
