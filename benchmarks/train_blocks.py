"""Train the block classifier that picks a page's main text, and measure it out of fold.

    python -m benchmarks.train_blocks [--data DIR] [--folds 5] [--no-save]

Needs the ``train`` extra (``uv pip install -e '.[train]'``: LightGBM, scikit-learn). Reads a
folder laid out like WCXB (see ``benchmarks.extraction``), cuts every page into blocks with the
same code that runs in ``extractors``, and labels a block as content when most of its word
trigrams occur in the page's ground-truth text. Pages are split into folds by site, so no site is
both trained on and scored; every page's text is then predicted by a model that never saw its
site, and scored like the extraction benchmark (bag-of-words P/R/F1, macro over pages), per page
type beside trafilatura's default ``extract()`` on the same pages. Finally a model is trained on
every page and written to ``extractors/models/blocks.json.gz``, with a digest of every training
page and its out-of-fold scores, so that ``benchmarks.extraction`` can tell which of its pages are
in-sample (see ``benchmarks.training_pages``). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import trafilatura

from benchmarks.extraction import DEFAULT_DATA, Page, bag_of_words, load_pages
from benchmarks.training_pages import OutOfFold, page_digest, training_record
from extractors.blocks import page_blocks
from extractors.classifier import MODEL_PATH, TreeEnsemble, save_model
from extractors.decoding import decode_content
from extractors.features import FEATURE_NAMES, block_features
from extractors.maintext import article_paragraphs, content_blocks
from extractors.pagemeta import read_page_meta
from extractors.webpage import parse_html

_TOKEN = re.compile(r"\w+")
CONTENT_OVERLAP = 0.5  # share of a block's word trigrams found in the ground truth
CUTOFF = 0.5
PARAMETERS: dict[str, Any] = {
    "objective": "binary",
    "n_estimators": 400,
    "num_leaves": 48,
    "max_depth": 8,
    "learning_rate": 0.05,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "random_state": 7,
    "deterministic": True,
    "n_jobs": 1,  # threads fight over a busy machine's cores; one is faster and reproducible
    "verbose": -1,
}


@dataclass(slots=True)
class PageBlocks:
    """One page's block rows, labels and texts, with what scoring needs."""

    page: Page
    site: str
    rows: np.ndarray
    labels: np.ndarray
    words: np.ndarray
    texts: list[str]
    title: str | None
    baseline: OutOfFold  # trafilatura's default extract() on the page: P, R, F1


class Truth:
    """The ground-truth text as word trigrams, to tell which blocks belong to it."""

    def __init__(self, text: str) -> None:
        tokens = _TOKEN.findall(text.lower())
        self.trigrams = set(zip(tokens, tokens[1:], tokens[2:], strict=False))
        self.joined = f" {' '.join(tokens)} "

    def overlap(self, text: str) -> float:
        """The share of the block's word trigrams in the truth (for a short block: 1 if it occurs)."""
        tokens = _TOKEN.findall(text.lower())
        if len(tokens) < 3:
            return float(bool(tokens) and f" {' '.join(tokens)} " in self.joined)
        trigrams = list(zip(tokens, tokens[1:], tokens[2:], strict=False))
        return sum(trigram in self.trigrams for trigram in trigrams) / len(trigrams)


def prepare(page: Page) -> PageBlocks:
    """The page cut into blocks exactly as ``extractors`` does, with each block's label."""
    html = decode_content(page.html, location=page.page_id, media_type="text/html")
    tree = parse_html(html, page.page_id)
    meta = read_page_meta(tree, page.url)
    blocks = page_blocks(tree)
    rows = block_features(blocks, title=meta.title, body=meta.body, declared_article=meta.is_article)
    truth = Truth(page.text)
    labels = np.asarray([truth.overlap(block.text) >= CONTENT_OVERLAP for block in blocks.blocks])
    words = blocks.word_counts()
    site = (urlsplit(page.url or "").hostname or page.page_id).removeprefix("www.")
    texts = [block.text for block in blocks.blocks]
    baseline = bag_of_words(trafilatura.extract(page.html, url=page.url) or "", page.text)
    return PageBlocks(page, site, rows, labels, words, texts, meta.title, baseline)


def fit(pages: list[PageBlocks]) -> Any:
    """A LightGBM classifier over the blocks of ``pages``; each page weighs the same in total."""
    import lightgbm  # a development dependency (the ``train`` extra), not needed at run time

    usable = [page for page in pages if len(page.labels)]
    rows = np.vstack([page.rows for page in usable])
    labels = np.concatenate([page.labels for page in usable])
    # Words weigh by their share of their page: F1 is macro-averaged over pages.
    weights = np.concatenate([page.words / page.words.sum() for page in usable]) * len(usable)
    model = lightgbm.LGBMClassifier(**PARAMETERS)
    model.fit(rows, labels, sample_weight=weights)
    return model


def to_ensemble(model: Any, cutoff: float = CUTOFF) -> TreeEnsemble:
    """The LightGBM model as a numpy ``TreeEnsemble`` (thresholds made exact for float32 input)."""
    dump = model.booster_.dump_model()
    arrays: dict[str, list[Any]] = defaultdict(list)
    roots, depth = [], 0
    for tree in dump["tree_info"]:
        roots.append(len(arrays["feature"]))
        depth = max(depth, _flatten(tree["tree_structure"], arrays, 0))
    return TreeEnsemble(
        features=FEATURE_NAMES,
        feature=np.asarray(arrays["feature"], dtype=np.int32),
        threshold=np.asarray(arrays["threshold"], dtype=np.float32),
        left=np.asarray(arrays["left"], dtype=np.int32),
        right=np.asarray(arrays["right"], dtype=np.int32),
        value=np.asarray(arrays["value"], dtype=np.float64),
        roots=np.asarray(roots, dtype=np.int32),
        depth=depth,
        cutoff=cutoff,
    )


def _flatten(node: dict[str, Any], arrays: dict[str, list[Any]], level: int) -> int:
    """Append ``node`` and its subtree to ``arrays``; the subtree's depth."""
    index = len(arrays["feature"])
    for name in ("feature", "threshold", "left", "right", "value"):
        arrays[name].append(0)
    if "leaf_value" in node:
        arrays["threshold"][index] = np.float32(np.inf)
        arrays["left"][index] = arrays["right"][index] = index
        arrays["value"][index] = node["leaf_value"]
        return level
    if node["decision_type"] != "<=":
        raise ValueError(f"unsupported split {node['decision_type']!r}")
    arrays["feature"][index] = node["split_feature"]
    arrays["threshold"][index] = _float32_at_most(node["threshold"])
    arrays["left"][index] = len(arrays["feature"])
    left_depth = _flatten(node["left_child"], arrays, level + 1)
    arrays["right"][index] = len(arrays["feature"])
    right_depth = _flatten(node["right_child"], arrays, level + 1)
    return max(left_depth, right_depth)


def _float32_at_most(threshold: float) -> np.float32:
    """The largest float32 not above ``threshold``: x <= it exactly when float32 x <= threshold."""
    value = np.float32(threshold)
    if float(value) > threshold:
        value = np.nextafter(value, np.float32(-np.inf))
    return value


def out_of_fold(pages: list[PageBlocks], folds: int) -> list[np.ndarray]:
    """Each page's block probabilities from a model trained on the other sites' folds."""
    from sklearn.model_selection import GroupKFold

    sites = [page.site for page in pages]
    predictions: list[np.ndarray] = [np.zeros(0)] * len(pages)
    for fold, (train, test) in enumerate(GroupKFold(n_splits=folds).split(pages, groups=sites)):
        model = to_ensemble(fit([pages[index] for index in train]))
        for index in test:
            predictions[index] = model.probabilities(pages[index].rows)
        print(f"  fold {fold + 1}/{folds} done", file=sys.stderr)
    return predictions


def page_scores(pages: list[PageBlocks], predictions: list[np.ndarray], cutoff: float) -> list[OutOfFold]:
    """Each page's P/R/F1 of the text its predictions keep, cleaned up as extraction does."""
    results = []
    for page, probabilities in zip(pages, predictions, strict=True):
        keep = content_blocks(probabilities, page.words, cutoff)
        kept = [text for text, flag in zip(page.texts, keep, strict=True) if flag]
        results.append(bag_of_words("\n".join(article_paragraphs(kept, page.title)), page.page.text))
    return results


def summarise(pages: list[PageBlocks], results: list[OutOfFold]) -> dict[str, Any]:
    """Macro P/R/F1 per page type (and "ALL") of per-page ``results``."""
    by_type: dict[str, list[OutOfFold]] = defaultdict(list)
    for page, result in zip(pages, results, strict=True):
        by_type[page.page.page_type].append(result)
        by_type["ALL"].append(result)
    scores: dict[str, Any] = {}
    for kind, values in sorted(by_type.items()):
        means = [round(float(value), 4) for value in np.mean(values, axis=0)]
        scores[kind] = dict(zip(("precision", "recall", "f1"), means, strict=True)) | {"pages": len(values)}
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--folds", type=int, default=5, help="site folds for the out-of-fold figure (0: skip)"
    )
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--no-save", action="store_true", help="measure only; keep the current model")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pages = [prepare(page) for page in load_pages(args.data, None)]
    print(f"{len(pages)} pages, {sum(len(page.labels) for page in pages)} blocks from {args.data}")
    result: dict[str, Any] = {"pages": len(pages), "parameters": PARAMETERS, "cutoff": CUTOFF}
    unseen: list[OutOfFold] | None = None
    if args.folds:
        unseen = page_scores(pages, out_of_fold(pages, args.folds), CUTOFF)
        result["out_of_fold"] = summarise(pages, unseen)
        result["trafilatura"] = summarise(pages, [page.baseline for page in pages])
        _print_scores(result["out_of_fold"], result["trafilatura"])
    if not args.no_save:
        scores: list[OutOfFold | None] = list(unseen) if unseen else [None] * len(pages)
        digests = {page_digest(page.page.html): score for page, score in zip(pages, scores, strict=True)}
        model = to_ensemble(fit(pages))
        model.training.update(training_record(digests, data=args.data.name, folds=args.folds))
        save_model(model, args.out)
        size = args.out.stat().st_size
        result["model"] = {"path": str(args.out), "trees": len(model.roots), "bytes": size}
        print(f"model: {len(model.roots)} trees, depth {model.depth}, {size} bytes -> {args.out}")
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, sort_keys=True))
    return 0


def _print_scores(scores: dict[str, Any], baseline: dict[str, Any]) -> None:
    print(
        f"\nout of fold (sites never seen in training), likely content at {CUTOFF},"
        " beside trafilatura's default:"
    )
    columns = f"{'P':>7}{'R':>7}{'F1':>7}"
    print(
        f"{'page type':<14}{'pages':>6}  {'newswatch':<10}{columns}  {'trafilatura':<12}{columns}{'dF1':>8}"
    )
    for kind, ours in scores.items():
        theirs = baseline[kind]
        print(
            f"{kind:<14}{ours['pages']:>6}  {'':<10}{_prf(ours)}  {'':<12}{_prf(theirs)}"
            f"{ours['f1'] - theirs['f1']:>+8.4f}"
        )


def _prf(scores: dict[str, Any]) -> str:
    return f"{scores['precision']:>7.4f}{scores['recall']:>7.4f}{scores['f1']:>7.4f}"


if __name__ == "__main__":
    sys.exit(main())
