"""Story clustering quality: online clustering of labelled documents, as ingest does it.

    python -m benchmarks.stories --data ../shared/corpus/stories/basil-dev.jsonl
    python -m benchmarks.stories --data ../shared/corpus/stories/ecbplus-dev.jsonl [--threshold 0.5]
    python -m benchmarks.stories --fit      # refit the join model on both development sets

Each JSON line has ``id``, ``story``, ``text`` and optionally ``title``, ``date``, ``outlet``
(and ``topic``, which groups look-alike stories for cross-validation). Documents are taken in
file order, each turned into a report by the same functions and settings as pipeline/storing.py
(``topics.clustering.story_report``, ``StorySettings``); a document without a title gets the
headline the plain-text extractor derives, as a saved report would at ingest.

Three clusterings are printed side by side, with pairwise and B-cubed precision/recall/F1
against the targets (B-cubed F1 >= 0.90 on BASIL, >= 0.85 on ECB+, pairwise precision >= 0.95
on both), then one line of JSON:

- ``cosine``: the baseline, plain cosine of the term vectors with the story centroid at
  ``topics.stories.DEFAULT_MIN_SIMILARITY`` (the window and near duplicates work as for the model);
- ``model``: the join model (``topics.joining``) with its stored weights, as ingest runs it;
  the weights were fitted on these development sets, so this figure is in-sample;
- ``model, cv``: out of sample. The development documents are split into ``--folds`` folds by
  ``topic`` (else ``story``), so both look-alike events of a topic fall in the same fold; the
  model is refitted without each fold and clusters that fold's documents.
"""

from __future__ import annotations

import argparse
import json
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from core.settings import StorySettings
from extractors.plaintext import extract_text
from topics.clustering import JoinScore, StoryReport, cluster, story_report
from topics.joining import FEATURES, WEIGHTS, cosine_score, fit_join_model, join_probabilities, joint_features
from topics.profiles import ReportKeys, StoryProfile
from topics.stories import DEFAULT_MIN_SIMILARITY

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/stories"
DEV_SETS = (CORPUS / "basil-dev.jsonl", CORPUS / "ecbplus-dev.jsonl")
TARGETS = {"basil": 0.90, "ecbplus": 0.85}
PAIRWISE_PRECISION_TARGET = 0.95
BASELINE_THRESHOLD = DEFAULT_MIN_SIMILARITY
NOW = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(hours=StorySettings().window_hours)


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """A development file as clustering sees it: reports, gold stories and cross-validation folds."""

    name: str
    reports: list[StoryReport]
    gold: list[str]
    folds: list[int]


def load(path: Path) -> list[dict[str, Any]]:
    """The documents of a JSON-Lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def report_of(doc: dict[str, Any]) -> StoryReport:
    """A document as ingest would see it: its title (or the derived headline), text and date."""
    title, text = doc.get("title") or None, doc["text"]
    date = doc.get("date") or None
    published = datetime.fromisoformat(date).replace(tzinfo=UTC) if date else None
    if title is None:
        extracted = extract_text(text, location=str(doc["id"]))
        if extracted is not None:
            title, text = extracted.title, extracted.text
            published = published or extracted.published
    return story_report(title, text, published)


def labelled_set(path: Path, folds: int) -> LabelledSet:
    """The reports of ``path`` with their gold stories and folds (by ``topic``, else ``story``)."""
    docs = load(path)
    groups = [str(doc.get("topic", doc["story"])) for doc in docs]
    return LabelledSet(
        path.name,
        [report_of(doc) for doc in docs],
        [str(doc["story"]) for doc in docs],
        [zlib.crc32(group.encode()) % folds for group in groups],
    )


def gold_pairs(data: LabelledSet, keep: Sequence[int]) -> tuple[list[list[float]], list[bool]]:
    """Features and labels of each report (of ``keep``) against the earlier gold stories the index
    would score it against: those within the window that share a term with it."""
    profiles: dict[str, StoryProfile] = {}
    features: list[list[float]] = []
    joined: list[bool] = []
    for i in keep:
        report = ReportKeys.of(data.reports[i])
        admitted = [(story, p) for story, p in profiles.items() if p.admits(report.published, WINDOW)]
        if admitted:
            rows = joint_features(report, [profile for _, profile in admitted])
            for (story, _), row in zip(admitted, rows.tolist(), strict=True):
                if row[0] > 0:  # shares a term with the story, as the index's candidates do
                    features.append(row)
                    joined.append(story == data.gold[i])
        profiles.setdefault(data.gold[i], StoryProfile()).grow(report)
    return features, joined


def fit(sets: Sequence[LabelledSet], *, without_fold: int | None = None) -> tuple[float, ...]:
    """Join-model weights fitted on the gold pairs of ``sets``, leaving out one fold if given."""
    features: list[list[float]] = []
    joined: list[bool] = []
    for data in sets:
        keep = [i for i, fold in enumerate(data.folds) if fold != without_fold]
        more_features, more_joined = gold_pairs(data, keep)
        features += more_features
        joined += more_joined
    return fit_join_model(np.array(features), np.array(joined, dtype=float))


def weighted_score(weights: Sequence[float]) -> JoinScore:
    """A join score with other weights than the stored ones (for cross-validation)."""
    return lambda report, stories: join_probabilities(joint_features(report, stories), weights)


def run_cluster(
    reports: list[StoryReport], settings: StorySettings, threshold: float, score: JoinScore
) -> list[int]:
    """Online clustering of ``reports`` as ingest runs it, with ``score`` at ``threshold``."""
    return cluster(
        reports,
        window=timedelta(hours=settings.window_hours),
        join_threshold=threshold,
        near_duplicate=settings.near_duplicate,
        now=NOW,
        score=score,
    )


def cross_validated(
    data: LabelledSet, train: Sequence[LabelledSet], settings: StorySettings, threshold: float, folds: int
) -> list[str]:
    """Labels of ``data`` from clustering each fold with a model fitted without that fold."""
    labels = [""] * len(data.reports)
    for fold in range(folds):
        held_out = [i for i, f in enumerate(data.folds) if f == fold]
        if not held_out:
            continue
        score = weighted_score(fit(train, without_fold=fold))
        fold_labels = run_cluster([data.reports[i] for i in held_out], settings, threshold, score)
        for i, label in zip(held_out, fold_labels, strict=True):
            labels[i] = f"{fold}:{label}"
    return labels


def scores(gold: list[str], predicted: Sequence[Any]) -> dict[str, float]:
    """Pairwise and B-cubed precision, recall and F1 of ``predicted`` against ``gold``."""
    joint = Counter(zip(gold, predicted, strict=True))
    gold_sizes, predicted_sizes = Counter(gold), Counter(predicted)

    def pairs(sizes: Counter[Any]) -> float:
        return sum(n * (n - 1) / 2 for n in sizes.values())

    together = pairs(joint)
    precision = together / pairs(predicted_sizes) if pairs(predicted_sizes) else 1.0
    recall = together / pairs(gold_sizes) if pairs(gold_sizes) else 1.0
    b3_precision = sum(joint[(g, p)] / predicted_sizes[p] for g, p in zip(gold, predicted, strict=True))
    b3_recall = sum(joint[(g, p)] / gold_sizes[g] for g, p in zip(gold, predicted, strict=True))
    b3_precision, b3_recall = b3_precision / len(gold), b3_recall / len(gold)
    return {
        "clusters": len(set(predicted)),
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": _f1(precision, recall),
        "bcubed_precision": b3_precision,
        "bcubed_recall": b3_recall,
        "bcubed_f1": _f1(b3_precision, b3_recall),
    }


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(path: Path, threshold: float, folds: int) -> dict[str, dict[str, float]]:
    """Scores of the baseline, the stored model and the cross-validated model on ``path``."""
    settings = StorySettings()
    data = labelled_set(path, folds)
    results = {
        "cosine": scores(data.gold, run_cluster(data.reports, settings, BASELINE_THRESHOLD, cosine_score)),
        "model": scores(data.gold, run_cluster(data.reports, settings, threshold, weighted_score(WEIGHTS))),
    }
    if path.resolve() in {dev.resolve() for dev in DEV_SETS}:
        train = [data if dev.resolve() == path.resolve() else labelled_set(dev, folds) for dev in DEV_SETS]
        results["model, cv"] = scores(data.gold, cross_validated(data, train, settings, threshold, folds))
    return results


def print_table(
    name: str, documents: int, stories: int, results: dict[str, dict[str, float]], target: float | None
) -> None:
    """The measures of each clustering side by side, with the targets."""
    print(f"{name}: {documents} documents, {stories} gold stories")
    print(f"{'measure':<22}" + "".join(f"{label:>12}" for label in results) + "   target")
    goals = {
        "pairwise_precision": (PAIRWISE_PRECISION_TARGET, f">= {PAIRWISE_PRECISION_TARGET}"),
        "bcubed_f1": (target, f">= {target}" if target else "-"),
    }
    for measure in (
        "clusters",
        *(f"{k}_{m}" for k in ("pairwise", "bcubed") for m in ("precision", "recall", "f1")),
    ):
        cells = "".join(
            f"{row[measure]:>12.0f}" if measure == "clusters" else f"{row[measure]:>12.3f}"
            for row in results.values()
        )
        goal, text = goals.get(measure, (None, ""))
        verdict = ""
        if goal is not None:
            verdict = ": " + ", ".join(
                f"{label} {'met' if row[measure] >= goal else 'NOT met'}" for label, row in results.items()
            )
        print(f"{measure:<22}{cells}   {text}{verdict}")


def refit(folds: int) -> None:
    """Fit the join model on both development sets and print the weights to store."""
    sets = [labelled_set(path, folds) for path in DEV_SETS]
    weights = fit(sets)
    for name, weight in zip((*FEATURES, "intercept"), weights, strict=True):
        print(f"{name:<20}{weight:>8.3f}")
    print(f"WEIGHTS = {weights!r}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="a JSON-Lines file of labelled documents")
    parser.add_argument("--threshold", type=float, default=None, help="override StorySettings.join_threshold")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--fit", action="store_true", help="refit the join model and print its weights")
    args = parser.parse_args()
    if args.fit:
        refit(args.folds)
        return
    if args.data is None:
        parser.error("--data is required unless --fit is given")
    threshold = args.threshold if args.threshold is not None else StorySettings().join_threshold
    started = time.perf_counter()
    results = evaluate(args.data, threshold, args.folds)
    seconds = time.perf_counter() - started
    docs = load(args.data)
    target = next((value for key, value in TARGETS.items() if key in args.data.name), None)
    print_table(args.data.name, len(docs), len({doc["story"] for doc in docs}), results, target)
    print(f"(join threshold {threshold}, baseline threshold {BASELINE_THRESHOLD}, {seconds:.1f} s)")
    summary = {
        "data": args.data.name,
        "documents": len(docs),
        "gold_stories": len({doc["story"] for doc in docs}),
        "join_threshold": threshold,
        "seconds": round(seconds, 2),
        "target_bcubed_f1": target,
        "target_pairwise_precision": PAIRWISE_PRECISION_TARGET,
    }
    for label, row in results.items():
        key = label.replace(", ", "_")
        summary[key] = {measure: round(value, 4) for measure, value in row.items()}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
