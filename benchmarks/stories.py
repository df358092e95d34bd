"""Story grouping quality: online clustering of labelled news, as ingest does it, in and out of sample.

    python -m benchmarks.stories                       # the three development sets, cross-validated
    python -m benchmarks.stories --data FILE.jsonl     # one labelled file (a development set or not)
    python -m benchmarks.stories --fit                 # the rules fitted on all three sets, to ship
    python -m benchmarks.stories --sweep               # what each cosine cutoff gives, per set

The development sets (``benchmarks.story_sets``: fields, feed order, how undated ECB+ is fed and
the ``ecbplus-dev/dated`` view) are ``ecbplus-dev`` (look-alike events), ``basil-dev`` (one
event rewritten by three outlets) and ``newscluster-dev`` (events reported over days and weeks,
wire copies; a story is one burst of an event). Every clustering runs a
``topics.clustering.StoryIndex`` over the reports in feed order, with the story window and
near-duplicate joins of ``StorySettings``. The rules compared and how they are fitted (weights
and cutoff, on training documents only) are in ``benchmarks.story_rules``: ``cosine``, what
ingest runs; ``model``, the challenger of ``benchmarks.join_model``; ``model - GROUP``, the
challenger without one group of features.

**Columns.** ``ingest``: what ingest runs, the cosine at ``StorySettings.join_threshold``.
``cosine`` and ``model``: fitted on all three sets, then scored on them (in-sample).
``cosine cv`` and ``model cv``: cross-validated. On a file that is not a development set,
``cosine`` and ``model`` are fitted on the three development sets, so they are out of sample
already.

**Cross-validation, grouped by topic and by outlet.** Each document falls in one of ``FOLDS``
folds by its topic (ECB+ ``topic``, which holds both look-alike events; newscluster ``event``,
which holds all its bursts; a BASIL story), so all the reports of a topic are in one fold. For
each fold, the rules are fitted on the documents of the other folds *whose outlet has no
report in the fold*, then cluster the fold's documents of each set, on their own. So a test
fold's topics and outlets are unseen in training: BASIL's three outlets appear in every fold,
so BASIL is never trained on (nor newscluster's reports from the same outlets), and the fitted
rule meets rewrites by NYT, Fox News and HuffPost for the first time; ECB+ documents have no
outlet and are held out by topic only. A fold holds a fifth of a set, so its reports meet fewer
other stories than the whole set's do: cross-validated precision can come out above in-sample.

Printed: per set, the measures of each column side by side with the targets (on the
cross-validated figures of the rule to ship: B-cubed F1 >= 0.90, B-cubed precision >= 0.95,
alerts per story <= 1.2; alerts per story: for each gold story, how many stories its reports
ended up in, each one an alert, the mean and the worst 5); the ablation table; the simplest
rule at least as good as the cosine baseline on every development set in cross-validation
(B-cubed F1), which is the one to ship; then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.story_rules import (
    COSINE,
    MODEL,
    RULES,
    SETTINGS,
    Fitted,
    Pairs,
    cross_validated,
    fit,
    ingest_labels,
)
from benchmarks.story_sets import (
    DEV_SETS,
    LabelledSet,
    dated_by_collection,
    dev_path,
    from_ecb,
    labelled_set,
    scores,
)

TARGETS = {"bcubed_f1": 0.90, "bcubed_precision": 0.95}
ALERTS_TARGET = 1.2


def views(sets: Sequence[LabelledSet]) -> list[LabelledSet]:
    """The sets clustered in the tables: each set, and an ECB+ set also dated by collection."""
    return [
        view for data in sets for view in (data, *([dated_by_collection(data)] if from_ecb(data) else []))
    ]


def evaluate(dev: Sequence[LabelledSet], extra: LabelledSet | None) -> dict[str, Any]:
    """Every measure of the benchmark: per set and column, the ablation, and the rule to ship."""
    in_sample = {rule.name: fit(rule, dev, Pairs.of(dev)) for rule in (COSINE, MODEL)}
    shown = views([extra] if extra is not None else dev)
    cv = cross_validated(RULES, dev, shown) if extra is None else None
    ablation = (
        {
            rule.name: {data.label: scores(data.gold, cv.labels[rule.name][data.label]) for data in shown}
            for rule in RULES
        }
        if cv is not None
        else {}
    )
    ship = _simplest_as_good_as_cosine(ablation, [data.label for data in dev]) if ablation else None
    tables: dict[str, dict[str, Any]] = {}
    for data in shown:
        table = {"ingest": scores(data.gold, ingest_labels(data))}
        for name, fitted in in_sample.items():
            table[name] = scores(data.gold, fitted.cluster(data))
            if ablation:
                table[f"{name} cv"] = ablation[name][data.label]
        if ship is not None and ship not in in_sample:
            table[f"{ship} cv"] = ablation[ship][data.label]
        tables[data.label] = table
    return {
        "sets": tables,
        "fitted": {name: {"weights": f.weights, "threshold": f.threshold} for name, f in in_sample.items()},
        "ablation": ablation,
        "fold_cutoffs": cv.cutoffs if cv is not None else {},
        "ship": ship,
    }


def _simplest_as_good_as_cosine(ablation: dict[str, dict[str, dict[str, Any]]], sets: Sequence[str]) -> str:
    """The learned rule with the fewest features whose cross-validated B-cubed F1 is at least the
    cosine baseline's on every one of ``sets``; the baseline itself when none is."""
    good = [rule for rule in RULES[1:] if _as_good_as_cosine(ablation, rule.name, sets)]
    return min(good, key=lambda rule: len(rule.features)).name if good else COSINE.name


def _as_good_as_cosine(
    ablation: dict[str, dict[str, dict[str, Any]]], rule: str, sets: Sequence[str]
) -> bool:
    baseline = ablation[COSINE.name]
    return all(ablation[rule][name]["bcubed_f1"] >= baseline[name]["bcubed_f1"] for name in sets)


def print_set(data: LabelledSet, table: dict[str, dict[str, Any]]) -> None:
    """One set's measures, each column side by side, with the targets (checked on the cv columns)."""
    if data.view:
        fed = "dated by collection (benchmarks.story_sets), ECB then ECB+"
    elif all(r.published for r in data.reports):
        fed = "in order of publication"
    else:
        fed = "undated, in file order"
    print(f"\n{data.label}: {len(data)} documents, {len(set(data.gold))} gold stories, fed {fed}")
    print(f"{'measure':<18}" + "".join(f"{label:>11}" for label in table) + "   target")
    for measure in ("stories", "bcubed_precision", "bcubed_recall", "bcubed_f1", "alerts_per_event"):
        if measure == "stories":
            cells = "".join(f"{row[measure]:>11}" for row in table.values())
        elif measure == "alerts_per_event":
            cells = "".join(f"{row[measure]['mean']:>11.3f}" for row in table.values())
        else:
            cells = "".join(f"{row[measure]:>11.3f}" for row in table.values())
        label = "alerts per story" if measure == "alerts_per_event" else measure
        print(f"{label:<18}{cells}   {_goal(measure)}")
    worst = "".join(f"{','.join(map(str, row['alerts_per_event']['worst'])):>11}" for row in table.values())
    print(f"{'  worst 5':<18}{worst}")


def _goal(measure: str) -> str:
    if measure == "alerts_per_event":
        return f"<= {ALERTS_TARGET}"
    return f">= {TARGETS[measure]}" if measure in TARGETS else ""


def print_ablation(ablation: dict[str, dict[str, dict[str, Any]]], ship: str, sets: Sequence[str]) -> None:
    """Cross-validated B-cubed F1, precision and alerts per story of every rule on every set."""
    names = list(next(iter(ablation.values())))
    print("\nablation, cross-validated: B-cubed F1 / B-cubed precision / alerts per story")
    header = "".join(f"{name:>24}" for name in names)
    print(f"{'rule':<18}{'features':>9}{header}   F1 >= cosine on {', '.join(sets)}")
    for rule in RULES:
        rows = ablation[rule.name]
        cells = "".join(
            f"{row['bcubed_f1']:>10.3f}{row['bcubed_precision']:>7.3f}{row['alerts_per_event']['mean']:>7.2f}"
            for row in rows.values()
        )
        mark = (
            "(baseline)"
            if rule is COSINE
            else ("yes" if _as_good_as_cosine(ablation, rule.name, sets) else "no")
        )
        print(f"{rule.name:<18}{len(rule.features) or 1:>9}{cells}   {mark}")
    print(f"simplest rule at least as good as cosine on every development set: {ship}")


def print_cutoffs(cutoffs: dict[str, list[float]]) -> None:
    """The cutoff each rule chose in each fold's training documents."""
    print("cutoffs chosen in the training folds: " + "; ".join(f"{r} {c}" for r, c in cutoffs.items()))


def print_targets(tables: dict[str, dict[str, dict[str, Any]]], column: str) -> dict[str, bool]:
    """Whether ``column`` meets each target on each set, printed and returned."""
    verdicts: dict[str, bool] = {}
    print(f"\ntargets, {column}:")
    for name, table in tables.items():
        row = table[column]
        checks = {measure: row[measure] >= goal for measure, goal in TARGETS.items()}
        checks["alerts_per_event"] = row["alerts_per_event"]["mean"] <= ALERTS_TARGET
        for measure, met in checks.items():
            value = row[measure]["mean"] if measure == "alerts_per_event" else row[measure]
            print(f"  {name:<18}{measure:<18}{value:>7.3f} {_goal(measure):<8} {'met' if met else 'NOT met'}")
            verdicts[f"{name}/{measure}"] = met
    return verdicts


def sweep(sets: Sequence[LabelledSet]) -> dict[str, dict[str, Any]]:
    """Each set clustered at each cosine cutoff of the grid (in-sample), printed and returned."""
    found: dict[str, dict[str, Any]] = {}
    for data in sets:
        print(f"\n{data.label}: cutoff, B-cubed precision / recall / F1, alerts per story (worst 5)")
        found[data.label] = {}
        for threshold in COSINE.grid:
            row = scores(data.gold, Fitted(COSINE, (), threshold).cluster(data))
            alerts = row["alerts_per_event"]
            print(
                f"  {threshold:>5.2f}{row['bcubed_precision']:>8.3f}{row['bcubed_recall']:>8.3f}"
                f"{row['bcubed_f1']:>8.3f}{alerts['mean']:>8.2f}  {','.join(map(str, alerts['worst']))}"
            )
            found[data.label][str(threshold)] = row
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="a JSON-Lines file of labelled documents")
    parser.add_argument("--fit", action="store_true", help="fit the rules on all three sets and print them")
    parser.add_argument("--sweep", action="store_true", help="every cosine cutoff of the grid, per set")
    args = parser.parse_args()
    started = time.process_time()
    dev = [labelled_set(dev_path(name)) for name in DEV_SETS]
    if args.fit:
        pairs = Pairs.of(dev)
        for rule in (COSINE, MODEL):
            fitted = fit(rule, dev, pairs)
            print(f"{rule.name}: threshold {fitted.threshold}, weights {fitted.weights}")
        return
    if args.sweep:
        print(json.dumps(sweep(views(dev))))
        return
    name = args.data.name.removesuffix(".jsonl") if args.data is not None else None
    extra = labelled_set(args.data) if args.data is not None and name not in DEV_SETS else None
    result = evaluate(dev, extra)
    shown = [label for label in result["sets"] if name is None or label.split("/")[0] == name]
    for data in views([extra] if extra is not None else dev):
        if data.label in shown:
            print_set(data, result["sets"][data.label])
    fitted = result["fitted"]
    print(
        f"\ningest: cosine at StorySettings.join_threshold {SETTINGS.join_threshold}; fitted on all three "
        f"development sets: cosine {fitted['cosine']['threshold']}, model {fitted['model']['threshold']}"
    )
    column = "ingest"  # on a file outside the development sets, ingest's rule is out of sample
    if result["ablation"]:
        print_ablation(result["ablation"], result["ship"], DEV_SETS)
        print_cutoffs(result["fold_cutoffs"])
        column = f"{result['ship']} cv"
    verdicts = print_targets({label: result["sets"][label] for label in shown}, column)
    seconds = time.process_time() - started
    print(f"({seconds:.0f} s of CPU)")
    print(json.dumps(_summary(result, shown, verdicts, seconds)))


def _summary(
    result: dict[str, Any], shown: Sequence[str], verdicts: dict[str, bool], seconds: float
) -> dict[str, Any]:
    def rounded(row: dict[str, Any]) -> dict[str, Any]:
        alerts = row["alerts_per_event"]
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()} | {
            "alerts_per_event": {"mean": round(alerts["mean"], 4), "worst": alerts["worst"]}
        }

    return {
        "sets": {
            label: {col.replace(" ", "_"): rounded(row) for col, row in result["sets"][label].items()}
            for label in shown
        },
        "ablation_cv": {
            rule: {name: rounded(row) for name, row in rows.items()}
            for rule, rows in result["ablation"].items()
        },
        "fitted": result["fitted"],
        "fold_cutoffs": result["fold_cutoffs"],
        "ship": result["ship"],
        "ingest_join_threshold": SETTINGS.join_threshold,
        "targets": {
            "bcubed_f1": TARGETS["bcubed_f1"],
            "bcubed_precision": TARGETS["bcubed_precision"],
            "alerts_per_event": ALERTS_TARGET,
        },
        "targets_met": verdicts,
        "cpu_seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    main()
