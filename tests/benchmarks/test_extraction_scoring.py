"""How the extraction benchmark scores titles, authors and dates."""

from __future__ import annotations

from datetime import date

from benchmarks.extraction import author_matches, date_matches, title_matches


def test_a_date_is_one_day_compared_with_the_ground_truths_day() -> None:
    assert date_matches(date(2024, 11, 1), "2024-11-01")
    assert not date_matches(date(2024, 11, 2), "2024-11-01")  # no second chance for the UTC day
    assert date_matches(date(2015, 11, 20), "2015-11")  # the ground truth gives only the month
    assert not date_matches(None, "2024-11-01")


def test_titles_match_whatever_their_case_and_punctuation() -> None:
    assert title_matches("Envoy meets premier — in Beirut!", "envoy meets premier in beirut")
    assert not title_matches("Envoy meets premier in Beirut | Daily Example", "Envoy meets premier in Beirut")
    assert not title_matches(None, "Envoy meets premier in Beirut")


def test_authors_match_when_the_first_is_found_and_none_is_invented() -> None:
    assert author_matches(("Jane Doe", "John Smith"), "Jane Doe, John Smith")
    assert author_matches(("Jane Doe",), "Jane Doe, MD")
    assert not author_matches(("John Smith",), "Jane Doe, John Smith")
    assert not author_matches(("Jane Doe", "Staff"), "Jane Doe")
