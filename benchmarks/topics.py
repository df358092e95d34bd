"""Topic query quality on labelled documents, against naive substring matching.

    python -m benchmarks.topics --data ../shared/corpus/topics/allsides-dev.jsonl \
        --queries benchmarks/allsides_queries.yaml

Each document has a ``topic`` label (one per document). For every topic in the YAML file the
query is compiled as the watchlist would (``topics.matcher``, with its stemming and exclusions)
and matched against each document's title and text; the baseline evaluates the same boolean
query but decides each term by a case-insensitive substring test on the raw title and text
(wildcard stars dropped, NEAR as AND, field scopes ignored). Prints precision, recall and F1 per
topic side by side, the averages, the target (higher mean recall than the baseline at no lower
mean precision), then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from topics.matcher import TopicDefinition, compile_topic, compile_topics
from topics.query import Filter, Leaf, Near, Node, evaluate


def load(path: Path) -> list[dict[str, Any]]:
    """The documents of a JSON-Lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def substring_match(tree: Node, haystack: str) -> bool:
    """The baseline: each term is present when its text is a substring of ``haystack`` (lowercased)."""

    def present(leaf: Leaf, fields: tuple[str, ...] | None) -> bool:
        if isinstance(leaf, Filter):
            return True
        if isinstance(leaf, Near):
            return present(leaf.left, fields) and present(leaf.right, fields)
        return leaf.text.lower().rstrip("*") in haystack

    return evaluate(tree, present)


def prf(predicted: list[bool], gold: list[bool]) -> dict[str, float]:
    """Precision, recall and F1 of ``predicted`` against ``gold``."""
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    precision = tp / sum(predicted) if any(predicted) else 0.0
    recall = tp / sum(gold) if any(gold) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=Path(__file__).parent / "allsides_queries.yaml")
    args = parser.parse_args()
    docs = load(args.data)
    specs = yaml.safe_load(args.queries.read_text(encoding="utf-8"))
    definitions = [
        TopicDefinition(
            name, spec["query"], stemming=spec.get("stemming", False), exclude=tuple(spec.get("exclude", ()))
        )
        for name, spec in specs.items()
    ]
    matcher = compile_topics(definitions)
    matched = [{hit.topic for hit in matcher.match(title=d.get("title"), text=d["text"])} for d in docs]
    haystacks = [f"{d.get('title') or ''}\n{d['text']}".lower() for d in docs]
    rows = {}
    print(f"{len(docs)} documents, {len(definitions)} topics")
    print(f"{'topic':<15}{'n':>5} | {'P':>6}{'R':>6}{'F1':>6} | baseline {'P':>6}{'R':>6}{'F1':>6}")
    for definition in definitions:
        gold = [d.get("topic") == definition.name for d in docs]
        ours = prf([definition.name in m for m in matched], gold)
        tree = compile_topic(definition.name, definition.query, exclude=definition.exclude).tree
        base = prf([substring_match(tree, h) for h in haystacks], gold)
        rows[definition.name] = {"documents": sum(gold), "newswatch": ours, "substring": base}
        print(
            f"{definition.name:<15}{sum(gold):>5} | "
            f"{ours['precision']:>6.3f}{ours['recall']:>6.3f}{ours['f1']:>6.3f}"
            f" |          {base['precision']:>6.3f}{base['recall']:>6.3f}{base['f1']:>6.3f}"
        )
    mean = {
        system: {
            m: sum(r[system][m] for r in rows.values()) / len(rows) for m in ("precision", "recall", "f1")
        }
        for system in ("newswatch", "substring")
    }
    ours, base = mean["newswatch"], mean["substring"]
    print(
        f"{'mean':<15}{'':>5} | {ours['precision']:>6.3f}{ours['recall']:>6.3f}{ours['f1']:>6.3f}"
        f" |          {base['precision']:>6.3f}{base['recall']:>6.3f}{base['f1']:>6.3f}"
    )
    met = ours["recall"] > base["recall"] and ours["precision"] >= base["precision"]
    print(
        "target: higher mean recall than the baseline at no lower mean precision: "
        f"{'met' if met else 'NOT met'}"
    )
    print(json.dumps({"documents": len(docs), "topics": rows, "mean": mean, "target_met": met}))


if __name__ == "__main__":
    main()
