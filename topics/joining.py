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
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from topics.profiles import StoryProfile, StoryReport

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
WEIGHTS = (
    4.352,
    1.371,
    2.3,
    1.763,
    1.684,
    0.368,
    1.693,
    -1.095,
    -1.97,
    -1.027,
    1.512,
    1.886,
    0.224,
    -5.98,
)
MAIN_NAMES = 5
MAX_YEAR_GAP = 3


def join_probability(features: Sequence[float], weights: Sequence[float] = WEIGHTS) -> float:
    """The model's probability that a report with these ``features`` tells the story's event."""
    logit = weights[-1] + sum(w * x for w, x in zip(weights, features, strict=False))
    return 1.0 / (1.0 + math.exp(-logit))


def join_features(report: StoryReport, story: StoryProfile) -> list[float]:
    """The features of ``report`` against ``story``, in the order of ``FEATURES``."""
    marks, names = report.marks, story.names
    year_gap, years_missing = _year_gap(marks.years, story.latest_years)
    features = [
        story.cosine(report.terms),
        _share_known(report.entities, names, empty=1.0),
        _cosine(marks.names, names),
        _share_known(_main(names), marks.names, empty=0.5),
        _share_known(_main(marks.names), names, empty=1.0),
        _top_name_weight(marks.names, names),
        _share_known(marks.figures, story.figures, empty=0.5) if story.figures else 0.5,
        year_gap,
        years_missing,
        float(bool(marks.lead_years and story.lead_years and not marks.lead_years & story.lead_years)),
        _cosine(dict.fromkeys(marks.headline, 1.0), story.headline),
        _cosine(marks.names, story.first_names),
    ]
    features.append(features[0] * features[2])
    return features


def cosine_score(report: StoryReport, story: StoryProfile) -> float:
    """The baseline: the plain cosine of the report's term vector with the story's centroid."""
    return story.cosine(report.terms)


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


def _share_known(items: Iterable[str], known: Mapping[str, float] | set[str], *, empty: float) -> float:
    listed = list(items)
    if not listed:
        return empty
    return sum(1 for item in listed if item in known) / len(listed)


def _main(names: Mapping[str, float]) -> list[str]:
    return sorted(names, key=lambda name: (-names[name], name))[:MAIN_NAMES]


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    dot = sum(weight * b.get(name, 0.0) for name, weight in a.items())
    norms = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norms if norms else 0.0


def _top_name_weight(report_names: Mapping[str, float], story_names: Mapping[str, float]) -> float:
    if not report_names or not story_names:
        return 0.5
    top = max(report_names, key=lambda name: (report_names[name], name))
    return story_names.get(top, 0.0) / max(story_names.values())


def _year_gap(years: Iterable[int], story_years: Sequence[int]) -> tuple[float, float]:
    """Years between the report's latest year and the story's median latest year, and missingness."""
    listed = list(years)
    if not listed or not story_years:
        return 0.0, 1.0
    return float(min(abs(max(listed) - statistics.median_low(story_years)), MAX_YEAR_GAP)), 0.0
