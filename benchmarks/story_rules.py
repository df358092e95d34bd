"""Join rules of the story benchmark, how they are fitted, and cross-validation by topic and outlet.

A rule is the plain cosine (``cosine``: a report joins the candidate story whose centroid is the
most similar when the cosine reaches a cutoff, as ingest does) or the logistic model of
``benchmarks.join_model`` over some of its features (``model``: all of them; ``model - GROUP``:
all but one group, the ablation; every model keeps the cosine). Fitting a rule on training
documents means: for a model, logistic weights on their gold pairs (each report against every
earlier gold story the index would score it against: admitted by the window, sharing a term);
for every rule, the cutoff of its grid with the best mean B-cubed F1 when the training
documents of each set are clustered. Nothing is chosen by looking at single documents.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from benchmarks.join_model import (
    FEATURES,
    ModelIndex,
    ModelKeys,
    ModelProfile,
    fit_join_model,
    joint_features,
)
from benchmarks.story_sets import FOLDS, LabelledSet, scores
from core.settings import StorySettings
from topics.clustering import StoryIndex, cluster, window_of
from topics.profiles import ReportKeys, StoryProfile

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # when every report is seen: the window works on publication dates
SETTINGS = StorySettings()
WINDOW = window_of(SETTINGS)
COSINE_GRID = tuple(round(0.15 + 0.05 * step, 2) for step in range(10))
MODEL_GRID = (0.01, 0.02, 0.05, *(round(0.1 + 0.1 * step, 1) for step in range(8)))
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

    def index(self) -> StoryIndex:
        """An empty story index that joins by this rule, otherwise as ingest runs it."""
        if not self.rule.features:
            return StoryIndex(
                window=WINDOW, join_threshold=self.threshold, near_duplicate=SETTINGS.near_duplicate
            )
        return ModelIndex(
            window=WINDOW,
            join_threshold=self.threshold,
            near_duplicate=SETTINGS.near_duplicate,
            weights=self.weights,
            columns=self.rule.columns,
        )

    def cluster(self, data: LabelledSet) -> list[int]:
        """Story numbers of ``data``'s reports clustered online in feed order."""
        return cluster(data.reports, self.index(), now=NOW)


def ingest_labels(data: LabelledSet) -> list[int]:
    """``data`` clustered as ingest does, with ``StorySettings``."""
    return cluster(data.reports, StoryIndex.of_settings(SETTINGS), now=NOW)


@dataclass(frozen=True, slots=True)
class Pairs:
    """Gold pairs: features of a report against an earlier story, and whether it is its story."""

    features: np.ndarray
    joined: np.ndarray

    @classmethod
    def of(cls, sets: Sequence[LabelledSet]) -> Pairs:
        """The gold pairs of every set (each set's reports meet only that set's stories)."""
        parts = [_gold_pairs(data) for data in sets]
        return cls(np.vstack([f for f, _ in parts]), np.concatenate([j for _, j in parts]))


def _gold_pairs(data: LabelledSet) -> tuple[np.ndarray, np.ndarray]:
    """Each report against the earlier gold stories the index would score it against: those the
    window admits that share a term with it."""
    profiles: dict[str, tuple[StoryProfile, ModelProfile]] = {}
    rows: list[np.ndarray] = [np.zeros((0, len(FEATURES)))]
    joined: list[bool] = []
    for report, story in zip(data.reports, data.gold, strict=True):
        keys = ReportKeys.of(report)
        marks = ModelKeys.of(report, keys.terms)
        admitted = [(name, p) for name, p in profiles.items() if p[0].admits(keys.published, WINDOW)]
        if admitted:
            features = joint_features(keys, marks, [p[0] for _, p in admitted], [p[1] for _, p in admitted])
            shares = features[:, 0] > 0
            rows.append(features[shares])
            joined += [name == story for (name, _), shared in zip(admitted, shares, strict=True) if shared]
        profile, model = profiles.setdefault(story, (StoryProfile(), ModelProfile()))
        profile.grow(keys)
        model.grow(marks)
    return np.vstack(rows), np.array(joined, dtype=float)


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


@dataclass(frozen=True, slots=True)
class CrossValidated:
    """Per rule: the labels of each test set (prefixed with the fold), and each fold's cutoff."""

    labels: dict[str, dict[str, list[str]]]
    cutoffs: dict[str, list[float]]


def cross_validated(
    rules: Sequence[Rule], train: Sequence[LabelledSet], tests: Sequence[LabelledSet]
) -> CrossValidated:
    """Each rule cross-validated on each of ``tests`` (sets of ``train``, or views of them): each
    fold's documents clustered by the rule fitted on the documents of the other folds whose
    outlet has no report in the fold."""
    labels = {rule.name: {test.label: [""] * len(test) for test in tests} for rule in rules}
    cutoffs: dict[str, list[float]] = {rule.name: [] for rule in rules}
    for fold in range(FOLDS):
        training = training_sets(train, fold)
        pairs = Pairs.of(training)
        for rule in rules:
            fitted = fit(rule, training, pairs)
            cutoffs[rule.name].append(fitted.threshold)
            for test in tests:
                held_out = [i for i, f in enumerate(test.folds()) if f == fold]
                for i, label in zip(held_out, fitted.cluster(test.subset(held_out)), strict=True):
                    labels[rule.name][test.label][i] = f"{fold}:{label}"
    return CrossValidated(labels, cutoffs)


def training_sets(sets: Sequence[LabelledSet], fold: int) -> list[LabelledSet]:
    """The documents of ``sets`` outside ``fold`` whose outlet has no report in ``fold``."""
    folds = [data.folds() for data in sets]
    seen = {
        data.outlets[i] for data, f in zip(sets, folds, strict=True) for i in range(len(data)) if f[i] == fold
    }
    seen.discard(None)
    return [
        data.subset([i for i in range(len(data)) if f[i] != fold and data.outlets[i] not in seen])
        for data, f in zip(sets, folds, strict=True)
    ]
