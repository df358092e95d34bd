"""Story grouping quality: online clustering of labelled news, as ingest does it, in and out of sample.

    python -m benchmarks.stories                       # the three development sets, cross-validated
    python -m benchmarks.stories --data FILE.jsonl     # one labelled file (a development set or not)
    python -m benchmarks.stories --fit                 # the rule fitted on all three sets, to ship

The development sets (``benchmarks.story_sets``: fields, feed order, how undated ECB+ is fed) are
``ecbplus-dev`` (look-alike events), ``basil-dev`` (one event rewritten by three outlets) and
``newscluster-dev`` (events reported over days and weeks, wire copies; a story is one burst of
an event). Every clustering runs a ``topics.clustering.StoryIndex`` over the reports in feed
order, with the story window and near-duplicate joins of ``StorySettings``.

**Rules.** ``cosine`` joins a report to the candidate story whose centroid is the most similar
when the cosine reaches a cutoff; ``model`` is the logistic join model of ``topics.joining``
over all its features, and ``model - GROUP`` the same without one group of features (the
ablation; every model keeps the cosine). Fitting a rule means: for a model, logistic weights on
the training documents' gold pairs (each report against every earlier gold story the index
would score it against: admitted by the window, sharing a term); for every rule, the cutoff of
its grid that gives the best mean B-cubed F1 when the training documents of each set are
clustered. Nothing is chosen by looking at single documents.

**Columns.** ``ingest``: what ingest runs, the default score of ``topics.clustering`` at
``StorySettings.join_threshold``. ``cosine`` and ``model``: fitted on all three sets, then
scored on them (in-sample). ``cosine cv`` and ``model cv``: cross-validated. On a file that is
not a development set, ``cosine`` and ``model`` are fitted on the three development sets, so
they are out of sample already.

**Cross-validation, grouped by topic and by outlet.** Each document falls in one of ``FOLDS``
folds by its topic (ECB+ ``topic``, which holds both look-alike events; newscluster ``event``,
which holds all its bursts; a BASIL story), so all the reports of a topic are in one fold. For
each fold, the rules are fitted on the documents of the other folds *whose outlet has no
report in the fold*, then cluster the fold's documents of each set. So a test fold's topics and
outlets are unseen in training: BASIL's three outlets appear in every fold, so BASIL is never
trained on (nor newscluster's reports from the same outlets), and the fitted rule meets
rewrites by NYT, Fox News and HuffPost for the first time; ECB+ documents have no outlet and
are held out by topic only.

Printed: per set, the measures of each column side by side with the targets (on the
cross-validated figures: B-cubed F1 >= 0.90, B-cubed precision >= 0.95, alerts per story
<= 1.2); the ablation table; the simplest rule at least as good as the cosine baseline on every
set in cross-validation (B-cubed F1), which is the one to ship; then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.story_sets import DEV_SETS, FOLDS, LabelledSet, dev_path, labelled_set, scores
from core.settings import StorySettings
from topics.clustering import JoinScore, cluster, window_of
from topics.joining import FEATURES, cosine_score, fit_join_model, join_probabilities, joint_features
from topics.profiles import ReportKeys, StoryProfile

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = StorySettings()
WINDOW = window_of(SETTINGS)
TARGETS = {"bcubed_f1": 0.90, "bcubed_precision": 0.95}
ALERTS_TARGET = 1.2
COSINE_GRID = tuple(round(0.15 + 0.05 * step, 2) for step in range(10))
MODEL_GRID = tuple(round(0.2 + 0.1 * step, 1) for step in range(7))
FEATURE_GROUPS = {
    "text": ("report_terms_known", "headline_cosine"),
    "names": (
        "lead_known",
        "name_cosine",
        "story_names_named",
        "report_names_known",
        "top_name_weight",
        "first_name_cosine",
        "weakest_names",
    ),
    "figures": ("figures_known",),
    "years": ("year_gap", "years_missing", "lead_year_conflict"),
}


@dataclass(frozen=True, slots=True)
class Rule:
    """A join rule: plain cosine (no features) or a logistic model over some of ``FEATURES``."""

    name: str
    features: tuple[str, ...] = ()

    @property
    def columns(self) -> list[int]:
        return [FEATURES.index(feature) for feature in self.features]

    @property
    def grid(self) -> tuple[float, ...]:
        return MODEL_GRID if self.features else COSINE_GRID


COSINE = Rule("cosine")
MODEL = Rule("model", FEATURES)
ABLATIONS = tuple(
    Rule(f"model - {group}", tuple(f for f in FEATURES if f not in removed))
    for group, removed in FEATURE_GROUPS.items()
)
RULES = (COSINE, MODEL, *ABLATIONS)


@dataclass(frozen=True, slots=True)
class Fitted:
    """A rule with its weights (none for cosine) and its cutoff."""

    rule: Rule
    weights: tuple[float, ...]
    threshold: float

    def score(self) -> JoinScore:
        """The rule's join score, as ``StoryIndex`` calls it."""
        if not self.rule.features:
            return cosine_score
        columns, weights = self.rule.columns, self.weights
        return lambda report, stories: join_probabilities(
            joint_features(report, stories)[:, columns], weights
        )

    def cluster(self, data: LabelledSet) -> list[int]:
        """Story numbers of ``data``'s reports clustered online in feed order."""
        return cluster(
            data.reports,
            window=WINDOW,
            join_threshold=self.threshold,
            near_duplicate=SETTINGS.near_duplicate,
            now=NOW,
            score=self.score(),
        )


@dataclass(frozen=True, slots=True)
class Pairs:
    """Gold pairs: features of a report against an earlier story, and whether it is its story."""

    features: np.ndarray
    joined: np.ndarray

    @classmethod
    def of(cls, sets: Sequence[LabelledSet]) -> Pairs:
        parts = [_gold_pairs(data) for data in sets]
        features = [f for f, _ in parts if len(f)]
        return cls(
            np.vstack(features) if features else np.zeros((0, len(FEATURES))),
            np.concatenate([j for _, j in parts]),
        )


def _gold_pairs(data: LabelledSet) -> tuple[np.ndarray, np.ndarray]:
    """Each report against the earlier gold stories the index would score it against: those the
    window admits that share a term with it."""
    profiles: dict[str, StoryProfile] = {}
    rows: list[np.ndarray] = []
    joined: list[bool] = []
    for report, story in zip(data.reports, data.gold, strict=True):
        keys = ReportKeys.of(report)
        admitted = [(name, p) for name, p in profiles.items() if p.admits(keys.published, WINDOW)]
        if admitted:
            features = joint_features(keys, [profile for _, profile in admitted])
            shares = features[:, 0] > 0
            rows.append(features[shares])
            joined += [name == story for (name, _), shared in zip(admitted, shares, strict=True) if shared]
        profiles.setdefault(story, StoryProfile()).grow(keys)
    return (np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))), np.array(joined, dtype=float)


def fit(rule: Rule, train: Sequence[LabelledSet], pairs: Pairs) -> Fitted:
    """``rule`` fitted on ``train``: weights on its gold ``pairs``, then the cutoff of its grid with
    the best mean B-cubed F1 over the training sets (the lowest of equals)."""
    weights = fit_join_model(pairs.features[:, rule.columns], pairs.joined) if rule.features else ()
    sets = [data for data in train if len(set(data.gold)) > 1]
    best, best_f1 = Fitted(rule, weights, rule.grid[0]), -1.0
    for threshold in rule.grid:
        candidate = Fitted(rule, weights, threshold)
        f1 = statistics.fmean(scores(data.gold, candidate.cluster(data))["bcubed_f1"] for data in sets)
        if f1 > best_f1:
            best, best_f1 = candidate, f1
    return best


def cross_validated(rules: Sequence[Rule], sets: Sequence[LabelledSet]) -> dict[str, dict[str, list[str]]]:
    """For each rule, the cross-validated labels of each set (see the module docstring)."""
    folds = {data.name: data.folds() for data in sets}
    labels = {rule.name: {data.name: [""] * len(data) for data in sets} for rule in rules}
    for fold in range(FOLDS):
        test = {data.name: [i for i, f in enumerate(folds[data.name]) if f == fold] for data in sets}
        seen = {data.outlets[i] for data in sets for i in test[data.name]} - {None}
        train = [
            data.subset(
                [i for i, f in enumerate(folds[data.name]) if f != fold and data.outlets[i] not in seen]
            )
            for data in sets
        ]
        pairs = Pairs.of(train)
        for rule in rules:
            fitted = fit(rule, train, pairs)
            for data in sets:
                held_out = data.subset(test[data.name])
                for i, label in zip(test[data.name], fitted.cluster(held_out), strict=True):
                    labels[rule.name][data.name][i] = f"{fold}:{label}"
    return labels


def ingest_labels(data: LabelledSet) -> list[int]:
    """``data`` clustered as ingest does: the default score at ``StorySettings.join_threshold``."""
    return cluster(
        data.reports,
        window=WINDOW,
        join_threshold=SETTINGS.join_threshold,
        near_duplicate=SETTINGS.near_duplicate,
        now=NOW,
    )


def evaluate(dev: Sequence[LabelledSet], extra: LabelledSet | None) -> dict[str, Any]:
    """Every measure of the benchmark: per set and column, the ablation, and the rule to ship."""
    all_pairs = Pairs.of(dev)
    in_sample = {rule.name: fit(rule, dev, all_pairs) for rule in (COSINE, MODEL)}
    cv = cross_validated(RULES, dev) if extra is None else {}
    ablation = (
        {
            rule.name: {data.name: scores(data.gold, cv[rule.name][data.name]) for data in dev}
            for rule in RULES
        }
        if cv
        else {}
    )
    ship = _simplest_as_good_as_cosine(ablation) if ablation else None
    tables: dict[str, dict[str, Any]] = {}
    for data in [extra] if extra is not None else dev:
        table = {"ingest": scores(data.gold, ingest_labels(data))}
        for name, fitted in in_sample.items():
            table[name] = scores(data.gold, fitted.cluster(data))
            if cv:
                table[f"{name} cv"] = ablation[name][data.name]
        if ship is not None and ship not in in_sample:
            table[f"{ship} cv"] = ablation[ship][data.name]
        tables[data.name] = table
    return {
        "sets": tables,
        "fitted": {name: {"weights": f.weights, "threshold": f.threshold} for name, f in in_sample.items()},
        "ablation": ablation,
        "ship": ship,
    }


def _simplest_as_good_as_cosine(ablation: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The learned rule with the fewest features whose cross-validated B-cubed F1 is at least the
    cosine baseline's on every set; the baseline itself when none is."""
    baseline = ablation[COSINE.name]
    good = [
        rule
        for rule in RULES[1:]
        if all(row["bcubed_f1"] >= baseline[name]["bcubed_f1"] for name, row in ablation[rule.name].items())
    ]
    return min(good, key=lambda rule: len(rule.features)).name if good else COSINE.name


def print_set(data: LabelledSet, table: dict[str, dict[str, Any]]) -> None:
    """One set's measures, each column side by side, with the targets (checked on the cv columns)."""
    dated = "in order of publication" if all(r.published for r in data.reports) else "undated, in file order"
    print(f"\n{data.name}: {len(data)} documents, {len(set(data.gold))} gold stories, fed {dated}")
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


def print_ablation(ablation: dict[str, dict[str, dict[str, Any]]], ship: str) -> None:
    """Cross-validated B-cubed F1, precision and alerts per story of every rule on every set."""
    names = list(next(iter(ablation.values())))
    print("\nablation, cross-validated: B-cubed F1 / B-cubed precision / alerts per story")
    print(
        f"{'rule':<18}{'features':>9}"
        + "".join(f"{name:>24}" for name in names)
        + "   >= cosine F1 everywhere"
    )
    baseline = ablation[COSINE.name]
    for rule in RULES:
        rows = ablation[rule.name]
        cells = "".join(
            f"{row['bcubed_f1']:>10.3f}{row['bcubed_precision']:>7.3f}{row['alerts_per_event']['mean']:>7.2f}"
            for row in rows.values()
        )
        good = all(row["bcubed_f1"] >= baseline[name]["bcubed_f1"] for name, row in rows.items())
        mark = "(baseline)" if rule is COSINE else ("yes" if good else "no")
        print(f"{rule.name:<18}{len(rule.features) or 1:>9}{cells}   {mark}")
    print(f"simplest rule at least as good as cosine on every set: {ship}")


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="a JSON-Lines file of labelled documents")
    parser.add_argument("--fit", action="store_true", help="fit the rules on all three sets and print them")
    args = parser.parse_args()
    started = time.process_time()
    dev = [labelled_set(dev_path(name)) for name in DEV_SETS]
    if args.fit:
        pairs = Pairs.of(dev)
        for rule in (COSINE, MODEL):
            fitted = fit(rule, dev, pairs)
            print(f"{rule.name}: threshold {fitted.threshold}, weights {fitted.weights}")
        return
    extra = None
    if args.data is not None and args.data.name.removesuffix(".jsonl") not in DEV_SETS:
        extra = labelled_set(args.data)
    result = evaluate(dev, extra)
    wanted = [d for d in (extra and [extra]) or dev if args.data is None or d.name == args.data.stem]
    for data in wanted:
        print_set(data, result["sets"][data.name])
    fitted = result["fitted"]
    print(
        f"\ningest: {SETTINGS.join_threshold} on the default score; fitted on all three sets: "
        f"cosine {fitted['cosine']['threshold']}, model {fitted['model']['threshold']}"
    )
    verdicts: dict[str, bool] = {}
    if result["ablation"]:
        print_ablation(result["ablation"], result["ship"])
        column = f"{result['ship']} cv"
        verdicts = print_targets({d.name: result["sets"][d.name] for d in wanted}, column)
    seconds = time.process_time() - started
    print(f"({seconds:.0f} s of CPU)")
    print(json.dumps(_summary(result, wanted, verdicts, seconds)))


def _summary(
    result: dict[str, Any], shown: Sequence[LabelledSet], verdicts: dict[str, bool], seconds: float
) -> dict[str, Any]:
    def rounded(row: dict[str, Any]) -> dict[str, Any]:
        alerts = row["alerts_per_event"]
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()} | {
            "alerts_per_event": {"mean": round(alerts["mean"], 4), "worst": alerts["worst"]}
        }

    return {
        "sets": {
            d.name: {"documents": len(d), "gold_stories": len(set(d.gold))}
            | {col.replace(" ", "_"): rounded(row) for col, row in result["sets"][d.name].items()}
            for d in shown
        },
        "ablation_cv": {
            rule: {name: rounded(row) for name, row in rows.items()}
            for rule, rows in result["ablation"].items()
        },
        "fitted": result["fitted"],
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
