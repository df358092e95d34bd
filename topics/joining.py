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
year_gap            years between the report's latest year and the story's typical one (max 3)
years_missing       1 when either has no year
lead_year_conflict  1 when both have dateline years and none is shared
headline_cosine     cosine of the report's headline words with the story's
first_name_cosine   cosine of the report's name shares with those of the story's first report
cosine_x_names      cosine times name_cosine: same words *and* same names
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
import statistics
from collections.abc import Iterable, Sequence

import numpy as np

from topics.profiles import ReportKeys, StoryProfile

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
    "cosine_x_names",
)
# One weight per feature, then the intercept (see the module docstring).
# fmt: off
WEIGHTS = (
    4.342, 1.473, 2.296, 1.834, 1.536, 0.345, 1.729, -1.076, -1.969, -1.056, 1.403, 1.932, 0.24, -5.994,
)
# fmt: on
MAX_YEAR_GAP = 3


def join_probability(features: Sequence[float], weights: Sequence[float] = WEIGHTS) -> float:
    """The model's probability that a report with these ``features`` tells the story's event."""
    logit = weights[-1] + sum(w * x for w, x in zip(weights, features, strict=False))
    return 1.0 / (1.0 + math.exp(-logit))


def join_features(report: ReportKeys, story: StoryProfile) -> list[float]:
    """The features of ``report`` against ``story``, in the order of ``FEATURES``."""
    names = story.names
    cosine = story.centroid.cosine(report.terms)
    name_cosine = names.cosine(report.names)
    year_gap, years_missing = _year_gap(report.years, story.latest_years)
    first_names = story.first_names or names
    return [
        cosine,
        names.share_held(report.lead, empty=1.0),
        name_cosine,
        report.names.share_held(story.main_names, empty=0.5),
        names.share_held(report.main_names, empty=1.0),
        _top_name_weight(report, story),
        _share_of_figures(report.figures, story.figures),
        year_gap,
        years_missing,
        float(bool(report.lead_years and story.lead_years and not report.lead_years & story.lead_years)),
        story.headline.cosine(report.headline),
        first_names.cosine(report.names),
        cosine * name_cosine,
    ]


def cosine_score(report: ReportKeys, story: StoryProfile) -> float:
    """The baseline: the plain cosine of the report's term vector with the story's centroid."""
    return story.centroid.cosine(report.terms)


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


def _top_name_weight(report: ReportKeys, story: StoryProfile) -> float:
    """The story's weight of the report's main name, relative to the story's main name's."""
    if report.top_name is None or not story.max_name_weight:
        return 0.5
    held, at = story.names.found(np.array([report.top_name], dtype=np.int64))
    return float(story.names.values[at[0]]) / story.max_name_weight if held[0] else 0.0


def _share_of_figures(figures: np.ndarray, known: np.ndarray) -> float:
    """The share of the report's figures the story mentions; 0.5 when either has none."""
    if not len(figures) or not len(known):
        return 0.5
    at = np.minimum(np.searchsorted(known, figures), len(known) - 1)
    return int(np.count_nonzero(known[at] == figures)) / len(figures)


def _year_gap(years: Iterable[int], story_years: Sequence[int]) -> tuple[float, float]:
    """Years between the report's latest year and the story's median latest year, and missingness."""
    listed = list(years)
    if not listed or not story_years:
        return 0.0, 1.0
    return float(min(abs(max(listed) - statistics.median_low(story_years)), MAX_YEAR_GAP)), 0.0
