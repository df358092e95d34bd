"""The challenger join model of the story benchmark: its marks, features and fitting."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from benchmarks.join_model import (
    FEATURES,
    ModelIndex,
    ModelKeys,
    ModelProfile,
    event_marks,
    fit_join_model,
    joint_features,
    marked_report,
)
from topics.profiles import ReportKeys, StoryProfile, StoryReport, StoryWindow
from topics.text import tokenize

QUAKE = (
    "A magnitude 7.1 earthquake struck off Tonga on Tuesday, officials in Nuku'alofa said. The Pacific "
    "Tsunami Warning Center in Honolulu said 12 people were hurt. Tonga was also hit in 2009."
)
QUAKE_DAY = datetime(2013, 5, 1, tzinfo=UTC)
OTHER_QUAKE = (
    "A magnitude 6.4 earthquake struck near Padang on Tuesday, officials in Jakarta said. Indonesia's "
    "disaster agency BNPB said 40 people died. Sumatra was also hit in 2004."
)


def features(report: StoryReport, story: list[StoryReport]) -> dict[str, float]:
    """The model's features of ``report`` against a story of ``story``'s reports."""
    profile, model = StoryProfile(), ModelProfile()
    for earlier in story:
        keys = ReportKeys.of(earlier)
        profile.grow(keys)
        model.grow(ModelKeys.of(earlier, keys.terms))
    keys = ReportKeys.of(report)
    row = joint_features(keys, ModelKeys.of(report, keys.terms), [profile], [model])[0]
    return dict(zip(FEATURES, row.tolist(), strict=True))


def test_marks_hold_names_figures_and_years_but_not_sentence_openers() -> None:
    marks = event_marks("Strong quake hits Tonga", QUAKE, tokenize(QUAKE))
    assert {"tonga", "pacific", "honolulu"} <= set(marks.names)
    assert "the" not in marks.names and "strong" not in marks.names  # sentence openers
    assert marks.names["tonga"] == max(marks.names.values())
    assert sum(marks.names.values()) == pytest.approx(1.0, abs=1e-3)
    assert marks.figures == {"7.1", "12"} and marks.years == marks.lead_years == {2009}  # all in the lead
    assert marks.headline == {"strong", "quake", "hits", "tonga"}


def test_a_rewrite_shares_the_names_a_look_alike_event_does_not() -> None:
    story = [marked_report("Strong quake hits Tonga", QUAKE, None)]
    rewrite = features(
        marked_report("Tonga shaken by strong quake", QUAKE.replace("Tuesday", "Monday"), None), story
    )
    look_alike = features(marked_report("Strong quake hits Sumatra", OTHER_QUAKE, None), story)
    assert rewrite["cosine"] > look_alike["cosine"] > 0
    assert rewrite["weakest_names"] > 0.9 > 0.1 > look_alike["weakest_names"]
    assert rewrite["figures_known"] == 1.0 > look_alike["figures_known"]


def test_fitting_recovers_the_weights_that_generated_the_labels() -> None:
    rng = np.random.default_rng(5)
    rows = rng.normal(size=(20_000, 3))
    truth = np.array([2.0, -1.0, 0.5, -0.3])  # intercept last
    probability = 1 / (1 + np.exp(-(rows @ truth[:-1] + truth[-1])))
    joined = (rng.random(len(rows)) < probability).astype(float)
    assert fit_join_model(rows, joined) == pytest.approx(tuple(truth), abs=0.08)


def test_the_year_gap_is_to_the_nearest_year_the_report_mentions() -> None:
    story = [marked_report("Quake hits Tonga", QUAKE.replace("2009", "2013"), None)]

    def gap(text: str) -> float:
        return features(marked_report("Quake hits Tonga", text, None), story)["year_gap"]

    assert gap(QUAKE.replace("2009", "2013, and a new code is due in 2016")) == 0.0  # the story's year
    assert gap(QUAKE.replace("2009", "2011")) == 2.0
    assert gap(QUAKE.replace("2009", "1990")) == 3.0  # capped


def test_names_only_a_later_report_brought_are_the_weakest_match() -> None:
    story = [
        marked_report("Strong quake hits Tonga", QUAKE, None),
        marked_report("Strong quake hits Sumatra", OTHER_QUAKE, None),
    ]
    found = features(marked_report("Quake shakes Sumatra", OTHER_QUAKE.replace("40", "41"), None), story)
    assert found["first_name_cosine"] < 0.1 < found["name_cosine"]
    assert found["weakest_names"] == found["first_name_cosine"]


def test_the_model_index_joins_by_the_model_and_keeps_look_alikes_apart() -> None:
    # weights that join on the weakest-names feature alone
    weights = [0.0] * len(FEATURES) + [-5.0]
    weights[FEATURES.index("weakest_names")] = 10.0
    index = ModelIndex(
        window=StoryWindow(),
        join_threshold=0.5,
        near_duplicate=0.8,
        weights=weights,
        columns=range(len(FEATURES)),
    )
    index.add(1, 1, marked_report("Strong quake hits Tonga", QUAKE, None), QUAKE_DAY)
    assert index.assign(marked_report("Tonga shaken", QUAKE.replace("Tuesday", "Monday"), None)).story_id == 1
    assert index.assign(marked_report("Quake hits Sumatra", OTHER_QUAKE, None)).story_id is None
