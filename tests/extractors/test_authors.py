"""Authors: people named in JSON-LD, the byline printed near the headline, author meta tags."""

from __future__ import annotations

from core.records import ExtractedArticle
from extractors import extract
from extractors.authors import clean_authors

BODY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.",
        "Officials said the talks would resume next week after consultations with the armed group.",
    )
)


def _extract(head: str = "", after: str = "", before: str = "") -> ExtractedArticle:
    page = (
        f"<html><head><title>Envoy meets premier in Beirut</title>{head}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/authors/'>Our authors</a></nav><article>{before}"
        f"<h1>Envoy meets premier in Beirut</h1>{after}{BODY}</article></body></html>"
    )
    article = extract(page, url="https://news.example.org/world/envoy")
    assert article is not None
    return article


def test_the_printed_byline_names_the_authors() -> None:
    assert _extract(after="<p>By Jane Doe and John Smith · Nov 3, 2024</p>").authors == (
        "Jane Doe",
        "John Smith",
    )
    label_apart = "<div>Written by:</div><div>Jane Doe</div><div>5 min read</div>"
    assert _extract(after=label_apart).authors == ("Jane Doe",)
    assert _extract(after="<p>January 20th, 2025 by Jane Doe</p>").authors == ("Jane Doe",)
    two = (
        '<p><span>By</span> <a href="/a/jd">Jane Doe</a> <span>and</span> <a href="/a/js">John Smith</a></p>'
    )
    assert _extract(after=two).authors == ("Jane Doe", "John Smith")


def test_a_name_in_an_element_marked_as_the_authors_is_read() -> None:
    assert _extract(after='<p class="authorName">Podium Staff</p>').authors == ("Podium Staff",)
    assert _extract(after='<a href="/authors/jane-doe">Jane Doe</a>').authors == ("Jane Doe",)
    assert _extract(after='<div class="post-meta"><span>Jane Doe</span></div>').authors == ()  # unmarked


def test_a_person_beats_the_organisation_named_as_author() -> None:
    organisation = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"author": {"@type": "Organization", "name": "Daily Example"}}</script>'
    )
    assert _extract(head=organisation, after="<p>By Jane Doe</p>").authors == ("Jane Doe",)
    assert _extract(head=organisation).authors == ("Daily Example",)  # no one else is named
    people = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": ['
        '{"@type": "Person", "name": "Manoj Jain"},'
        ' {"@type": "Organization", "name": "The Appeal"}]}</script>'
    )
    assert _extract(head=people, after="<p>By Someone Else</p>").authors == ("Manoj Jain",)


def test_authors_given_by_reference_in_the_graph_are_resolved() -> None:
    graph = (
        '<script type="application/ld+json">{"@graph": ['
        '{"@type": "Article", "author": {"@id": "https://news.example.org/#/person/1"}},'
        '{"@type": "Person", "@id": "https://news.example.org/#/person/1", "name": "Jane Doe"}]}</script>'
    )
    assert _extract(head=graph).authors == ("Jane Doe",)


def test_labels_dates_roles_and_addresses_are_not_names() -> None:
    assert clean_authors(["By"]) == ()
    assert clean_authors(["Written by"]) == ()
    assert clean_authors(["Sat", "20 Dec"]) == ()
    assert clean_authors(["Newsdesk news@example.co.uk"]) == ("Newsdesk",)
    assert clean_authors(["David Jackson - FullStack Editorial Team"]) == ("David Jackson",)
    assert clean_authors(["Podium Staff", "Staff"]) == ("Podium Staff",)
    assert clean_authors(["Jean-Luc Picard"]) == ("Jean-Luc Picard",)
