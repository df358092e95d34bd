"""Story clustering quality: online clustering of labelled documents, as ingest does it.

    python -m benchmarks.stories --data ../shared/corpus/stories/basil-dev.jsonl
    python -m benchmarks.stories --data ../shared/corpus/stories/ecbplus-dev.jsonl [--min-similarity 0.3]

Each JSON line has ``id``, ``story``, ``text`` and optionally ``title``, ``date``, ``outlet``.
Documents are taken in file order, each turned into a report by the same functions and settings
as flows/storing.py (``topics.clustering.story_report``, ``StorySettings``); a document without
a title gets the headline the plain-text extractor derives, as a saved report would at ingest.
Prints the number of clusters, pairwise and B-cubed precision/recall/F1 against the targets
(B-cubed F1 >= 0.90 on BASIL, >= 0.85 on ECB+, pairwise precision >= 0.95 on both), then one
line of JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.settings import StorySettings
from extractors.plaintext import extract_text
from topics.clustering import StoryReport, cluster, story_report

TARGETS = {"basil": 0.90, "ecbplus": 0.85}
PAIRWISE_PRECISION_TARGET = 0.95


def load(path: Path) -> list[dict[str, Any]]:
    """The documents of a JSON-Lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def report_of(doc: dict[str, Any]) -> StoryReport:
    """A document as ingest would see it: its title (or the derived headline), text and date."""
    title, text = doc.get("title") or None, doc["text"]
    if title is None:
        extracted = extract_text(text, location=str(doc["id"]))
        if extracted is not None:
            title, text = extracted.title, extracted.text
    date = doc.get("date") or None
    published = datetime.fromisoformat(date).replace(tzinfo=UTC) if date else None
    return story_report(title, text, published)


def scores(gold: list[str], predicted: list[int]) -> dict[str, float]:
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
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": _f1(precision, recall),
        "bcubed_precision": b3_precision,
        "bcubed_recall": b3_recall,
        "bcubed_f1": _f1(b3_precision, b3_recall),
    }


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--min-similarity", type=float, default=None, help="override the setting")
    args = parser.parse_args()
    settings = StorySettings()
    threshold = args.min_similarity if args.min_similarity is not None else settings.min_similarity
    docs = load(args.data)
    started = time.perf_counter()
    reports = [report_of(doc) for doc in docs]
    labels = cluster(
        reports,
        window=timedelta(hours=settings.window_hours),
        min_similarity=threshold,
        near_duplicate=settings.near_duplicate,
        now=datetime.now(UTC),
    )
    seconds = time.perf_counter() - started
    result = scores([str(doc["story"]) for doc in docs], labels)
    target = next((value for key, value in TARGETS.items() if key in args.data.name), None)
    _print_table(args.data.name, docs, labels, result, target, threshold, seconds)
    print(
        json.dumps(
            {
                "data": args.data.name,
                "documents": len(docs),
                "clusters": len(set(labels)),
                "gold_stories": len({doc["story"] for doc in docs}),
                "min_similarity": threshold,
                "seconds": round(seconds, 2),
                **{k: round(v, 4) for k, v in result.items()},
                "target_bcubed_f1": target,
                "target_pairwise_precision": PAIRWISE_PRECISION_TARGET,
            }
        )
    )


def _print_table(
    name: str,
    docs: list[dict[str, Any]],
    labels: list[int],
    result: dict[str, float],
    target: float | None,
    threshold: float,
    seconds: float,
) -> None:
    gold = len({doc["story"] for doc in docs})
    print(
        f"{name}: {len(docs)} documents, {gold} gold stories, {len(set(labels))} clusters "
        f"(min_similarity {threshold}, {seconds:.1f} s)"
    )
    print(f"{'measure':<12}{'precision':>10}{'recall':>10}{'F1':>10}   target")
    for kind in ("pairwise", "bcubed"):
        p, r, f = (result[f"{kind}_{m}"] for m in ("precision", "recall", "f1"))
        if kind == "pairwise":
            goal = (
                f"P >= {PAIRWISE_PRECISION_TARGET}: {'met' if p >= PAIRWISE_PRECISION_TARGET else 'NOT met'}"
            )
        else:
            goal = f"F1 >= {target}: {'met' if f >= target else 'NOT met'}" if target else "-"
        print(f"{kind:<12}{p:>10.3f}{r:>10.3f}{f:>10.3f}   {goal}")


if __name__ == "__main__":
    main()
