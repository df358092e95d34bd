"""Topic matching: folding variants, NOT, hits with terms, fields and token positions."""

from __future__ import annotations

import pickle

import pytest

from core.errors import QuerySyntaxError
from core.records import TermHit, TopicHit
from topics.matcher import TopicDefinition, compile_topics
from topics.text import tokenize

Report = tuple[str | None, str]  # (title, text), as the fixtures in conftest.py give them
LEBANON_QUERY = '(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce OR "Resolution 1701")'


def matches(query: str, text: str, title: str | None = None) -> bool:
    return bool(compile_topics([("topic", query)]).match(title=title, text=text))


@pytest.mark.parametrize("text", ["a cease-fire now", "a cease fire now", "a ceasefire now", "A Cease-Fire"])
@pytest.mark.parametrize("query", ["ceasefire", "cease-fire", '"cease-fire"', '"cease fire"', "CEASEFIRE"])
def test_hyphenation_and_spacing_variants_match_each_other(query: str, text: str) -> None:
    assert matches(query, text)


def test_token_boundaries_are_respected() -> None:
    assert not matches("fire", "the ceasefire holds")
    assert not matches("cease", "the ceasefire holds")
    assert matches("fire", "the cease-fire holds")
    assert not matches("leban", "Lebanon")


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("Putin", "they put in place", False),
        ("Putin", "Putin's envoy", True),
        ('"put in"', "Putin's envoy", False),
        ('"put in"', "they put in place", True),
        ("therapist", "the rapist", False),
        ("insight", "in sight", False),
        ("reelection", "his re-election bid", True),
        ("re-election", "his reelection bid", True),
        ("email", "an e-mail", True),
        ("online", "on-line", False),
        ("healthcare", "health care costs", True),
    ],
)
def test_spacing_folds_except_next_to_function_words(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("US", "the U.S. envoy"),
        ('"U.S. envoy"', "the US envoy"),
        ("resolution", "la Résolution 1701"),
        ('"Resolution 1701"', "UN Security Council resolution 1701, adopted"),
        ("Mikati", "Mikati\u2019s office"),
        ("beyrouth", "BEYROUTH"),
    ],
)
def test_case_diacritics_and_abbreviations_fold(query: str, text: str) -> None:
    assert matches(query, text)


def test_phrase_needs_its_words_adjacent_and_in_order() -> None:
    assert not matches('"Resolution 1701"', "1701 resolution")
    assert not matches('"Resolution 1701"', "resolution of 1701")


def test_lowercase_operators_are_words() -> None:
    assert matches("war and peace", "war and peace")
    assert not matches("war and peace", "war or peace")


def test_not_excludes_the_article() -> None:
    matcher = compile_topics([("cf", "ceasefire NOT Gaza"), ("cf2", "ceasefire -Gaza")])
    assert matcher.match(title=None, text="A ceasefire in Gaza") == []
    assert matcher.match(title="Gaza", text="A ceasefire") == []
    assert [hit.topic for hit in matcher.match(title=None, text="A ceasefire in Lebanon")] == ["cf", "cf2"]


def test_hits_name_terms_as_written_with_field_and_first_position() -> None:
    matcher = compile_topics([("Lebanon ceasefire", LEBANON_QUERY + " NOT Gaza")])
    found = matcher.match(title="Cease-fire in Lebanon", text="Beirut hopes the ceasefire in Lebanon holds")
    assert found == [
        TopicHit(
            topic="Lebanon ceasefire",
            hits=(
                TermHit("Lebanon", "title", 3),
                TermHit("Lebanon", "text", 5),
                TermHit("Beirut", "text", 0),
                TermHit("ceasefire", "title", 0),
                TermHit("ceasefire", "text", 3),
            ),
        )
    ]
    assert found[0].terms == ("Lebanon", "Beirut", "ceasefire")


def test_hits_leave_out_terms_that_were_not_found_and_negated_ones() -> None:
    matcher = compile_topics([("t", "(truce OR ceasefire) NOT (Gaza NOT ceasefire)")])
    (hit,) = matcher.match(title=None, text="ceasefire talks in Gaza")
    assert hit.terms == ("ceasefire",)


def test_topics_are_returned_in_order_and_only_when_matched() -> None:
    matcher = compile_topics([("a", "alpha"), ("b", "beta"), ("c", "alpha beta")])
    assert [hit.topic for hit in matcher.match(title=None, text="beta alpha")] == ["a", "b", "c"]
    assert [hit.topic for hit in matcher.match(title=None, text="beta")] == ["b"]
    assert matcher.match(title=None, text="") == []


def test_bad_query_propagates_for_the_caller_to_locate() -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        compile_topics([("good", "Lebanon"), ("bad", "(Lebanon")])
    assert raised.value.query == "(Lebanon"


def test_design_query_matches_both_seeds(seed_000: Report, seed_001: Report) -> None:
    matcher = compile_topics([("Lebanon ceasefire", LEBANON_QUERY)])
    for report in (seed_000, seed_001):
        title, text = report
        (hit,) = matcher.match(title=title, text=text)
        assert {"Lebanon", "ceasefire", "Resolution 1701"} <= set(hit.terms)
    (hit,) = matcher.match(title=None, text=seed_000[1])
    assert TermHit("ceasefire", "text", 11) in hit.hits  # "cease-fire", the 12th word
    assert tokenize(seed_000[1])[11:13] == ["cease", "fire"]


def test_design_query_does_not_match_gaza_talks(gaza_talks: Report) -> None:
    matcher = compile_topics([("Lebanon ceasefire", LEBANON_QUERY)])
    assert matcher.match(title=gaza_talks[0], text=gaza_talks[1]) == []


def test_a_compiled_matcher_matches_the_same_after_a_pickle_round_trip(seed_000: Report) -> None:
    matcher = compile_topics(
        [
            ("Lebanon ceasefire", LEBANON_QUERY),
            TopicDefinition("talks", 'negotiat* OR "border secur*"', stemming=True, exclude=("Gaza",)),
        ]
    )
    copy = pickle.loads(pickle.dumps(matcher))
    title, text = seed_000
    assert copy.match(title=title, text=text) == matcher.match(title=title, text=text) != []
    assert copy.occurrences("Lebanon ceasefire", title=title, text=text) == matcher.occurrences(
        "Lebanon ceasefire", title=title, text=text
    )
