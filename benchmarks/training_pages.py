"""Which benchmark pages the block classifier was trained on, and what it scored on them unseen.

A model scores better on the pages it was trained on than on a site it never saw, so the
extraction benchmark must not report those figures as if they were a test. ``train_blocks``
writes into the model's ``training`` record a digest of every training page's HTML with the
page's out-of-fold scores (precision, recall, F1 of the text kept by a model trained without the
page's site); the extraction benchmark looks its pages up there by the same digest.
"""

from __future__ import annotations

import hashlib
from typing import Any

from extractors.classifier import TreeEnsemble, load_model

OutOfFold = tuple[float, float, float]  # precision, recall, F1


def page_digest(html: bytes) -> str:
    """A short digest of a page's raw HTML: the same page in any folder has the same one."""
    return hashlib.sha1(html, usedforsecurity=False).hexdigest()[:12]


def training_record(pages: dict[str, OutOfFold | None], *, data: str, folds: int) -> dict[str, Any]:
    """The model's ``training`` record: the training pages by digest with their out-of-fold scores
    (None when no cross-validation was run)."""
    return {
        "data": data,
        "folds": folds,
        "pages": {
            digest: None if scores is None else [round(value, 4) for value in scores]
            for digest, scores in pages.items()
        },
    }


def out_of_fold_scores(
    htmls: list[bytes], model: TreeEnsemble | None = None
) -> list[OutOfFold | None] | None:
    """For each page, its out-of-fold scores when the model was trained on it, else None.

    None for the whole list when none of the pages was in the model's training data. A page the
    model was trained on without cross-validation gets (nan, nan, nan): it has no honest figure.
    """
    trained: dict[str, list[float] | None] = (model or load_model()).training.get("pages", {})
    digests = [page_digest(html) for html in htmls]
    if not any(digest in trained for digest in digests):
        return None
    nan = float("nan")
    found: list[OutOfFold | None] = []
    for digest in digests:
        if digest not in trained:
            found.append(None)
            continue
        scores = trained[digest] or (nan, nan, nan)
        found.append((scores[0], scores[1], scores[2]))
    return found
