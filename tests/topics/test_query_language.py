"""The query language's additions: NEAR/n, wildcards, field scopes, filters, exclusions, stemming, safety."""

from __future__ import annotations

import pytest

from core.errors import QuerySyntaxError
from topics.matcher import TopicDefinition, compile_topics
from topics.query import parse_query


def matches(query: str, text: str, title: str | None = None, **options: object) -> bool:
    definition = TopicDefinition("t", query, **options)  # type: ignore[arg-type]
    return bool(compile_topics([definition]).match(title=title, text=text, source="Reuters", lang="en"))


def test_near_counts_words_between_in_either_order() -> None:
    assert matches("Hezbollah NEAR/3 ceasefire", "Hezbollah agreed to a ceasefire")
    assert matches("Hezbollah NEAR/3 ceasefire", "a ceasefire that Hezbollah accepted")
    assert not matches("Hezbollah NEAR/2 ceasefire", "Hezbollah said it would consider a ceasefire")
    assert matches('"Resolution 1701" NEAR/1 UN', "UN Resolution 1701")


def test_near_needs_both_sides_in_the_same_field() -> None:
    assert not matches("Hezbollah NEAR/3 ceasefire", "ceasefire", title="Hezbollah")


def test_prefix_wildcard_matches_word_starts_only() -> None:
    for text in ("negotiations resumed", "they negotiate", "a negotiator"):
        assert matches("negotiat*", text)
    assert not matches("negotiat*", "renegotiation")


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ('"border secur*"', "tighter border security"),
        ('"border secur*"', "a border-secured zone"),
        ('"public school*"', "Chicago Public Schools"),
        ('"public school*"', "a public school"),
        ("cease-fir*", "the cease fire held"),
        ("negotiat*", "nego-tiations"),
    ],
)
def test_wildcards_end_phrases_and_span_spacing_variants(query: str, text: str) -> None:
    assert matches(query, text)


def test_phrase_wildcard_needs_the_words_before_it_in_order() -> None:
    assert not matches('"border secur*"', "security at the border")
    assert not matches('"public school*"', "public preschools")
    assert not matches('"tax cut*"', "tax scuttled")


def test_field_scopes_restrict_terms_to_title_or_text() -> None:
    assert matches("title:Lebanon", "nothing here", title="Lebanon talks")
    assert not matches("title:Lebanon", "Lebanon talks", title="Talks")
    assert matches("title:(Lebanon OR Beirut) ceasefire", "a ceasefire", title="Beirut")


def test_source_and_language_filters_compare_metadata() -> None:
    assert matches("ceasefire source:reuters lang:en", "a ceasefire")
    assert not matches("ceasefire source:ap", "a ceasefire")
    assert not matches("ceasefire lang:fr", "a ceasefire")


def test_exclusions_drop_matches() -> None:
    assert matches("ceasefire", "a ceasefire in Gaza")
    assert not matches("ceasefire", "a ceasefire in Gaza", exclude=("Gaza", '"West Bank"'))
    assert not matches("ceasefire", "a ceasefire in the West Bank", exclude=("Gaza", '"West Bank"'))


def test_stemming_is_per_topic() -> None:
    assert matches("negotiation", "negotiations resumed", stemming=True)
    assert matches("negotiation", "they negotiated", stemming=True)
    assert not matches("negotiation", "negotiations resumed")


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("immigration", "immigrants crossed"),
        ("immigrant", "immigration reform"),
        ('"tax cut"', "Bush-era tax cuts"),
        ("university", "universities reopen"),
        ('"health care"', "healthcare costs"),
        ("healthcare", "health-care costs"),
    ],
)
def test_stemming_adds_inflections_and_keeps_spacing_variants(query: str, text: str) -> None:
    assert matches(query, text, stemming=True)


def test_stemming_keeps_distinct_words_apart() -> None:
    assert not matches("policy", "the police", stemming=True)
    assert not matches("university", "universal suffrage", stemming=True)


def test_folding_covers_possessives_diacritics_and_spacing() -> None:
    assert matches("Hezbollah", "Hezbollah's fighters")
    assert matches("cease-fire", "CEASE FIRE")
    assert matches("Beyrouth", "Beyroûth")


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("a NEAR/3 (b OR c)", 2, "NEAR joins two terms or phrases"),
        ("a NEAR/0 b", 2, "NEAR distance must be 1 to 100"),
        ("ne*", 0, "a wildcard goes at the end of a word of at least three letters"),
        ("ce*se", 0, "a wildcard goes at the end of a word of at least three letters"),
        ('x "bor* security"', 2, "a wildcard goes at the end of a word of at least three letters"),
        ("title: ", 0, "title: needs a term"),
        ("lang:", 0, "lang: needs a value"),
        ("/(a+)+$/", 0, "regular expressions are not supported"),
    ],
)
def test_new_syntax_errors_have_positions_and_hints(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    assert raised.value.position == position and str(raised.value).startswith(message)
    assert raised.value.hint


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ('"\'; DROP TABLE article;"', "he said '; drop table article; in court"),
        ("DROP TABLE article", "drop table article"),
        ("NEAR(a b)", "near a b"),
        ("col:x", "col x"),
    ],
)
def test_hostile_queries_are_literal_words_s10(query: str, text: str) -> None:
    assert matches(query, text)
    assert not matches(query, "something else entirely")


@pytest.mark.parametrize("query", ["(a+)+$", "a -- b", 'x "unbalanced', "'; DROP TABLE article;"])
def test_regex_like_or_broken_queries_are_rejected_when_saved_s10_s11(query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query(query)


def test_one_matcher_serves_many_topics_and_reports_only_matching_ones() -> None:
    topics = [TopicDefinition(f"t{i}", f"word{i} OR shared{i % 10}") for i in range(1000)]
    matcher = compile_topics(topics)
    found = matcher.match(title=None, text="word7 and shared3")
    assert [hit.topic for hit in found] == [f"t{i}" for i in range(1000) if i == 7 or i % 10 == 3]


def test_filter_only_topics_are_evaluated_without_terms() -> None:
    matcher = compile_topics([TopicDefinition("english", "lang:en")])
    assert [h.topic for h in matcher.match(title=None, text="anything", lang="en")] == ["english"]
    assert matcher.match(title=None, text="anything", lang="fr") == []
