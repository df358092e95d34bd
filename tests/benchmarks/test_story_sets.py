"""The story benchmark's scoring and its cross-validation split by topic and outlet."""

from __future__ import annotations

import pytest

from benchmarks.story_rules import training_sets
from benchmarks.story_sets import COLLECTION_DATES, LabelledSet, dated_by_collection, from_ecb, scores
from topics.profiles import StoryReport


def _set(
    name: str, topics: list[str], outlets: list[str | None], ids: list[str] | None = None
) -> LabelledSet:
    count = len(topics)
    return LabelledSet(
        name,
        ids or [f"d{i}" for i in range(count)],
        [StoryReport({f"w{i}": 1.0}) for i in range(count)],
        [f"story-{topic}" for topic in topics],
        topics,
        outlets,
    )


def test_alerts_per_story_count_the_stories_each_gold_story_is_split_into() -> None:
    found = scores(["a", "a", "a", "b", "b", "c"], [1, 1, 2, 3, 4, 5])
    assert found["alerts_per_event"] == {"mean": pytest.approx(5 / 3), "worst": [2, 2, 1]}
    assert found["stories"] == 5 and found["bcubed_precision"] == 1.0
    perfect = scores(["a", "a", "b"], [7, 7, 9])
    assert perfect["bcubed_f1"] == 1.0 and perfect["alerts_per_event"]["mean"] == 1.0


def test_one_story_for_two_events_costs_precision_not_alerts() -> None:
    merged = scores(["a", "a", "b", "b"], [1, 1, 1, 1])
    assert merged["bcubed_precision"] == 0.5 and merged["bcubed_recall"] == 1.0
    assert merged["alerts_per_event"]["mean"] == 1.0


def test_training_leaves_out_the_fold_and_every_outlet_that_reports_in_it() -> None:
    data = _set("s", [str(n) for n in range(40)], [f"o{n % 7}" if n % 3 else None for n in range(40)])
    folds = data.folds()
    for fold in set(folds):
        (training,) = training_sets([data], fold)
        held_out = {i for i, f in enumerate(folds) if f == fold}
        fold_outlets = {data.outlets[i] for i in held_out} - {None}
        assert not set(training.topics) & {data.topics[i] for i in held_out}
        assert not set(training.outlets) & fold_outlets
        kept = [i for i in range(40) if i not in held_out and data.outlets[i] not in fold_outlets]
        assert training.ids == [data.ids[i] for i in kept] and kept


def test_a_topic_falls_in_one_fold() -> None:
    data = _set("s", ["x", "y", "x", "x", "y"], [None] * 5)
    folds = data.folds()
    assert folds[0] == folds[2] == folds[3] and folds[1] == folds[4]


def test_ecb_plus_dated_by_collection_puts_the_second_events_years_later() -> None:
    data = _set(
        "ecbplus-dev", ["1", "1", "2", "2"], [None] * 4, ids=["1_1ecbplus", "1_2ecb", "2_1ecb", "2_4ecbplus"]
    )
    assert from_ecb(data) and not from_ecb(_set("basil-dev", ["1"], ["nyt"]))
    dated = dated_by_collection(data)
    assert not from_ecb(dated)
    assert (
        dated.ids == ["1_2ecb", "2_1ecb", "1_1ecbplus", "2_4ecbplus"] and dated.label == "ecbplus-dev/dated"
    )
    assert [r.published for r in dated.reports] == [COLLECTION_DATES["ecb"]] * 2 + [
        COLLECTION_DATES["ecbplus"]
    ] * 2
