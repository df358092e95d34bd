"""Metadata normalisation: hashes, language, word counts, derived titles, UTC dates, URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from core.dates import parse_iso_date, to_utc
from extractors.metadata import (
    canonicalise_url,
    content_hash,
    count_words,
    derive_title,
    detect_language,
    first_sentence,
)

ENGLISH = "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border."
FRENCH = "L'envoyé a rencontré le premier ministre à Beyrouth jeudi pour discuter d'une trêve à la frontière."


def test_content_hash_ignores_case_spacing_and_compatibility_forms() -> None:
    assert content_hash("Cease-fire  in\nLebanon") == content_hash("cease-fire in lebanon")
    assert content_hash("ﬁve") == content_hash("five")
    assert content_hash("ceasefire") != content_hash("cease-fire")


def test_language() -> None:
    assert detect_language(ENGLISH) == "en"
    assert detect_language(FRENCH) == "fr"
    assert detect_language("Beirut talks") is None


def test_word_count() -> None:
    assert count_words("The U.S. envoy's cease-fire plan, in 2024.") == 7
    assert count_words("") == 0


def test_derived_title_is_the_first_sentence() -> None:
    assert derive_title("Mr. Smith went to Washington. He came back.") == "Mr. Smith went to Washington"
    assert first_sentence("A U.S. envoy asked. Lebanon said no.") == "A U.S. envoy asked."
    assert derive_title("\n\n") is None


def test_long_derived_title_is_cut_on_a_word_boundary() -> None:
    title = derive_title(ENGLISH + " " + ENGLISH.replace(".", ",") * 2)
    assert title == ENGLISH.rstrip(".")
    long_sentence = "word " * 40
    cut = derive_title(long_sentence)
    assert cut is not None
    assert cut.endswith("word…")
    assert len(cut) <= 90


def test_dates_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert to_utc(datetime(2024, 11, 1, 2, 0, tzinfo=plus_two)) == datetime(2024, 11, 1, tzinfo=UTC)
    assert to_utc(datetime(2024, 11, 1)) == datetime(2024, 11, 1, tzinfo=UTC)
    assert to_utc(None) is None
    assert parse_iso_date("2024-11-01") == datetime(2024, 11, 1, tzinfo=UTC)
    assert parse_iso_date("yesterday") is None
    assert parse_iso_date(None) is None


def test_canonical_url() -> None:
    url = "HTTPS://News.Example.com/a/b?utm_source=x&id=3&fbclid=abc#comments"
    assert canonicalise_url(url) == "https://news.example.com/a/b?id=3"
    assert canonicalise_url("https://example.com") == "https://example.com/"
    assert canonicalise_url("/work/main/samples/reports/000.txt") is None
    assert canonicalise_url(None) is None
