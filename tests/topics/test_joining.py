"""Event marks, story profiles and the join model that tells look-alike events apart."""

from __future__ import annotations

import numpy as np
import pytest

from topics.clustering import story_report
from topics.joining import FEATURES, WEIGHTS, fit_join_model, join_features, join_probability
from topics.marks import EventMarks, event_marks
from topics.profiles import ReportKeys, StoryProfile
from topics.text import tokenize

QUAKE = (
    "A magnitude 7.1 earthquake struck off Tonga on Tuesday, officials in Nuku'alofa said. The Pacific "
    "Tsunami Warning Center in Honolulu said 12 people were hurt. Tonga was also hit in 2009."
)
OTHER_QUAKE = (
    "A magnitude 6.4 earthquake struck near Padang on Tuesday, officials in Jakarta said. Indonesia's "
    "disaster agency BNPB said 40 people died. Sumatra was also hit in 2004."
)


def test_marks_hold_names_figures_and_years_but_not_sentence_openers() -> None:
    title = "Strong quake hits Tonga"
    marks = event_marks(title, QUAKE, tokenize(QUAKE))
    assert {"tonga", "pacific", "honolulu"} <= set(marks.names)
    assert "the" not in marks.names and "strong" not in marks.names  # sentence openers
    assert marks.names["tonga"] == max(marks.names.values())
    assert sum(marks.names.values()) == pytest.approx(1.0, abs=1e-3)
    assert marks.figures == {"7.1", "12"} and marks.years == marks.lead_years == {2009}  # all in the lead
    assert marks.headline == {"strong", "quake", "hits", "tonga"}
    assert EventMarks.from_json(marks.to_json()) == marks
    assert EventMarks.from_json({}) == EventMarks()


def test_a_rewrite_is_more_probable_than_a_look_alike_event() -> None:
    story = StoryProfile()
    story.grow(ReportKeys.of(story_report("Strong quake hits Tonga", QUAKE, None)))
    rewrite = story_report("Tonga shaken by strong quake", QUAKE.replace("Tuesday", "Tuesday night"), None)
    look_alike = story_report("Strong quake hits Sumatra", OTHER_QUAKE, None)
    same = join_probability(join_features(ReportKeys.of(rewrite), story))
    other = join_probability(join_features(ReportKeys.of(look_alike), story))
    assert same > 0.5 > other


def test_the_stored_weights_cover_every_feature() -> None:
    assert len(WEIGHTS) == len(FEATURES) + 1


def test_fitting_recovers_the_weights_that_generated_the_labels() -> None:
    rng = np.random.default_rng(5)
    features = rng.normal(size=(20_000, 3))
    truth = np.array([2.0, -1.0, 0.5, -0.3])  # intercept last
    probability = 1 / (1 + np.exp(-(features @ truth[:-1] + truth[-1])))
    joined = (rng.random(len(features)) < probability).astype(float)
    assert fit_join_model(features, joined) == pytest.approx(tuple(truth), abs=0.08)


def test_the_year_gap_is_to_the_nearest_year_the_report_mentions() -> None:
    story = StoryProfile()
    story.grow(ReportKeys.of(story_report("Quake hits Tonga", QUAKE.replace("2009", "2013"), None)))
    gap = FEATURES.index("year_gap")

    def features(text: str) -> list[float]:
        return join_features(ReportKeys.of(story_report("Quake hits Tonga", text, None)), story)

    looking_ahead = features(QUAKE.replace("2009", "2013, and a new code is due in 2016"))
    assert looking_ahead[gap] == 0.0  # mentions the story's year: no conflict
    assert features(QUAKE.replace("2009", "2011"))[gap] == 2.0
    assert features(QUAKE.replace("2009", "1990"))[gap] == 3.0  # capped


def test_names_only_a_later_report_brought_are_the_weakest_match() -> None:
    story = StoryProfile()
    story.grow(ReportKeys.of(story_report("Strong quake hits Tonga", QUAKE, None)))
    story.grow(ReportKeys.of(story_report("Strong quake hits Sumatra", OTHER_QUAKE, None)))
    look_alike = story_report("Quake shakes Sumatra", OTHER_QUAKE.replace("40", "41"), None)
    features = dict(zip(FEATURES, join_features(ReportKeys.of(look_alike), story), strict=True))
    assert features["first_name_cosine"] < 0.1 < features["name_cosine"]
    assert features["weakest_names"] == features["first_name_cosine"]


def test_a_report_about_other_things_than_the_story_has_few_of_its_main_terms_known() -> None:
    story = StoryProfile()
    story.grow(ReportKeys.of(story_report("Strong quake hits Tonga", QUAKE, None)))
    known = FEATURES.index("report_terms_known")
    rewrite = story_report("Tonga shaken by strong quake", QUAKE, None)
    floods = "Floods swept Padang after heavy rain. Rivers rose and roads closed."
    elsewhere = story_report("Floods in Padang", floods, None)
    assert join_features(ReportKeys.of(rewrite), story)[known] >= 0.8
    assert join_features(ReportKeys.of(elsewhere), story)[known] == 0.0
