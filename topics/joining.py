"""Whether a report joins a story: a small logistic model over text, names, figures and dates.

Bag-of-words cosine alone merges look-alike events (two coach firings, two Oscar hosts): they
share their vocabulary and differ in names, numbers and dates. ``join_features`` compares a
report with a ``StoryProfile`` on

==================  ============================================================================
cosine              cosine of the report's term vector with the story's centroid
lead_known          share of the report's lead names the story knows
name_cosine         cosine of the report's name shares with the story's
story_names_named   share of the story's 5 main names the report mentions
report_names_known  share of the report's 5 main names the story knows
top_name_weight     weight of the report's main name in the story, relative to the story's main
figures_known       share of the report's figures the story mentions (0.5 when either has none)
year_gap            years between the story's typical year and the nearest the report mentions (max 3)
years_missing       1 when either has no year
lead_year_conflict  1 when both have dateline years and none is shared
headline_cosine     cosine of the report's headline words with the story's
first_name_cosine   cosine of the report's name shares with those of the story's first report
weakest_names       the lesser of name_cosine and first_name_cosine: the report must name the
                    actors of the story as it grew *and* of the report that started it, so one
                    wrong join of a look-alike event does not open the story to all its reports
report_terms_known  share of the report's 10 heaviest terms the story's centroid holds: what the
                    report is mostly about, where the cosine also counts the shared topic words
==================  ============================================================================

and ``join_probability`` turns them into the probability that the report tells the story's
event. ``WEIGHTS`` were fitted by ``python -m benchmarks.stories --fit`` (logistic regression,
numpy, on the BASIL and ECB+ development sets: every report against each earlier story of the
gold clustering that the index would score it against, i.e. within the window and sharing a
term); the threshold is ``StorySettings.join_threshold``.

Publication dates are not a feature: the window already bounds them, and within it a date gap
says little on a real feed (hundreds of stories a day), while on the development sets, whose
stories are years apart, it would teach the model that "same day" means "same story".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from topics.profiles import ReportKeys, StoryProfile, Weights

FEATURES = (
    "cosine",
    "lead_known",
    "name_cosine",
    "story_names_named",
    "report_names_known",
    "top_name_weight",
    "figures_known",
    "year_gap",
    "years_missing",
    "lead_year_conflict",
    "headline_cosine",
    "first_name_cosine",
    "weakest_names",
    "report_terms_known",
)
# One weight per feature, then the intercept (see the module docstring).
# fmt: off
WEIGHTS = (
    3.621, 1.402, 2.187, 1.605, 1.236, 0.321, 1.849, -1.093, -1.806, -1.195, 1.07, 1.061, 1.344, 1.37,
    -6.252,
)
# fmt: on
MAX_YEAR_GAP = 3


def join_probability(features: Sequence[float], weights: Sequence[float] = WEIGHTS) -> float:
    """The model's probability that a report with these ``features`` tells the story's event."""
    logit = weights[-1] + sum(w * x for w, x in zip(weights, features, strict=False))
    return 1.0 / (1.0 + math.exp(-logit))


def join_probabilities(features: np.ndarray, weights: Sequence[float] = WEIGHTS) -> np.ndarray:
    """``join_probability`` of each row of ``features``."""
    coefficients = np.asarray(weights, dtype=np.float64)
    return np.asarray(1.0 / (1.0 + np.exp(-(features @ coefficients[:-1] + coefficients[-1]))))


def join_features(report: ReportKeys, story: StoryProfile) -> list[float]:
    """The features of ``report`` against ``story``, in the order of ``FEATURES``."""
    return [float(x) for x in joint_features(report, [story])[0]]


def joint_features(report: ReportKeys, stories: Sequence[StoryProfile]) -> np.ndarray:
    """The features of ``report`` against each of ``stories`` (one row each), computed together:
    each comparison is one numpy pass over the stories' concatenated arrays."""
    names = _Stack([story.names for story in stories])
    centroids = _Stack([story.centroid for story in stories])
    cosine = centroids.find(report.terms).cosine()
    name_cosine = names.find(report.names).cosine()
    max_weights = np.array([story.max_name_weight or 1.0 for story in stories])
    main_sizes = np.array([len(story.main_names) for story in stories], dtype=np.float64)
    main_named = _Stack([story.main_names for story in stories]).find(report.names).held()
    figures = np.array([len(story.figures) for story in stories])
    figures_held = _Stack([story.figures for story in stories]).find(report.figures).held()
    first = _Stack([story.first_names or story.names for story in stories])
    first_name_cosine = first.find(report.names).cosine()
    years = np.array([_year_gap(report.years, story.typical_year) for story in stories])
    columns = [
        cosine,
        _share(names.find(report.lead).held(), len(report.lead), empty=1.0),
        name_cosine,
        np.where(main_sizes > 0, main_named / np.maximum(main_sizes, 1), 0.5),
        _share(names.find(report.main_names).held(), len(report.main_names), empty=1.0),
        names.find(report.top_name).dot() / max_weights
        if len(report.top_name)
        else np.full(len(stories), 0.5),
        np.where(figures > 0, _share(figures_held, len(report.figures), empty=0.5), 0.5),
        years[:, 0],
        years[:, 1],
        np.array([_lead_year_conflict(report, story) for story in stories], dtype=np.float64),
        _Stack([story.headline for story in stories]).find(report.headline).cosine(),
        first_name_cosine,
        np.minimum(name_cosine, first_name_cosine),
        _share(centroids.find(report.main_terms).held(), len(report.main_terms), empty=0.5),
    ]
    return np.column_stack(columns)


class _Stack:
    """Several stories' arrays of one kind, concatenated, with the story each entry belongs to."""

    def __init__(self, parts: Sequence[Weights]) -> None:
        self.count = len(parts)
        self.norms = np.array([part.norm for part in parts])
        self.keys = np.concatenate([part.keys for part in parts])
        self.values = np.concatenate([part.values for part in parts])
        self.owner = np.repeat(np.arange(len(parts)), [len(part.keys) for part in parts])

    def find(self, query: Weights) -> _Found:
        """Which entries ``query`` holds too, with the products of both weights."""
        if not len(query.keys) or not len(self.keys):
            return _Found(self, self.owner[:0], np.zeros(0), query.norm)
        at = np.minimum(np.searchsorted(query.keys, self.keys), len(query.keys) - 1)
        hit = query.keys[at] == self.keys
        return _Found(self, self.owner[hit], self.values[hit] * query.values[at[hit]], query.norm)


class _Found:
    """The words of a query found in each story of a ``_Stack``."""

    def __init__(self, stack: _Stack, owner: np.ndarray, products: np.ndarray, query_norm: float) -> None:
        self.count, self.owner, self.products = stack.count, owner, products
        self.norms = stack.norms * query_norm

    def held(self) -> np.ndarray:
        """How many of the query's words each story holds."""
        return np.bincount(self.owner, minlength=self.count).astype(np.float64)

    def dot(self) -> np.ndarray:
        """Each story's dot product with the query."""
        return np.bincount(self.owner, weights=self.products, minlength=self.count)

    def cosine(self) -> np.ndarray:
        """Each story's cosine with the query; 0.0 where either is empty."""
        cosine: np.ndarray = np.divide(self.dot(), self.norms, out=np.zeros(self.count), where=self.norms > 0)
        return cosine


def _share(held: np.ndarray, size: int, *, empty: float) -> np.ndarray:
    return held / size if size else np.full(len(held), empty)


def _lead_year_conflict(report: ReportKeys, story: StoryProfile) -> float:
    """1.0 when both have dateline years and share none."""
    return float(bool(report.lead_years and story.lead_years and not report.lead_years & story.lead_years))


def cosine_score(report: ReportKeys, stories: Sequence[StoryProfile]) -> np.ndarray:
    """The baseline: the plain cosine of the report's term vector with each story's centroid."""
    return _Stack([story.centroid for story in stories]).find(report.terms).cosine()


def fit_join_model(features: np.ndarray, joined: np.ndarray, *, l2: float = 1.0) -> tuple[float, ...]:
    """Logistic-regression weights (intercept last) by Newton's method, L2-penalised but the intercept."""
    x = np.hstack([features, np.ones((len(features), 1))])
    penalty = l2 * np.diag([*([1.0] * features.shape[1]), 0.0])
    weights = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1.0 / (1.0 + np.exp(-x @ weights))
        gradient = x.T @ (p - joined) + penalty @ weights
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return tuple(round(float(w), 3) for w in weights)


def _year_gap(years: frozenset[int], typical: int | None) -> tuple[float, float]:
    """Years between the story's typical year and the nearest one the report mentions (capped), and
    missingness: a report that mentions the story's year does not conflict with it, whatever later
    years it looks ahead to."""
    if not years or typical is None:
        return 0.0, 1.0
    return float(min(min(abs(year - typical) for year in years), MAX_YEAR_GAP)), 0.0
