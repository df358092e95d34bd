"""Page metadata: JSON-LD first, meta tags next, bylines and URLs last; titles without site suffix."""

from __future__ import annotations

from datetime import UTC, date, datetime

from extractors import extract
from extractors.authors import clean_authors
from extractors.dates import date_from_url, local_day, parse_date
from extractors.titles import choose_title, strip_site_suffix

BODY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.",
        "Officials said the talks would resume next week after consultations with the armed group.",
        "Resolution 1701, adopted in 2006 after a month-long war, remains the basis of any agreement.",
    )
)
NEWS_PAGE = f"""<!DOCTYPE html><html lang="en-GB"><head>
<title>Envoy meets premier in Beirut - Daily Example</title>
<link rel="canonical" href="/world/envoy-beirut?utm_source=rss&amp;fbclid=x">
<meta property="og:title" content="Envoy meets premier in Beirut | Daily Example">
<meta property="og:image" content="https://img.example.org/lead.jpg">
<meta property="article:published_time" content="2024-11-03T10:00:00Z">
<meta property="article:section" content="World">
<meta property="article:tag" content="Lebanon"><meta property="article:tag" content="Diplomacy">
<script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [
  {{"@type": "WebSite", "name": "Daily Example"}},
  {{"@type": "NewsArticle", "headline": "Envoy meets premier in Beirut",
    "datePublished": "2024-11-01T23:30:00-02:00", "dateModified": "2024-11-02T09:00:00+01:00",
    "author": [{{"@type": "Person", "name": "By Jane Doe"}},
               {{"@type": "Person", "name": "John Smith, Staff Writer"}}],
    "publisher": {{"@type": "Organization", "name": "Daily Example"}}}}]}}
</script></head><body><nav><a href="/">Home</a></nav>
<article><h1>Envoy meets premier in Beirut</h1>{BODY}
<p>Share this article</p><p>Sign up for our newsletter to get the latest news in your inbox</p></article>
</body></html>"""


def test_json_ld_news_article_is_read_first() -> None:
    article = extract(NEWS_PAGE.encode(), url="https://www.example.org/amp/world/envoy-beirut?utm_medium=x")
    assert article is not None
    assert article.title == "Envoy meets premier in Beirut"
    assert article.authors == ("Jane Doe", "John Smith")
    assert article.published == datetime(2024, 11, 2, 1, 30, tzinfo=UTC)  # JSON-LD, not the meta tag
    assert article.published_source == "json-ld"
    assert article.published_day == date(2024, 11, 1)  # the day the page printed, at -02:00
    assert article.modified == datetime(2024, 11, 2, 8, 0, tzinfo=UTC)
    assert article.modified_source == "json-ld"
    assert article.site_name == "Daily Example"
    assert article.canonical_url == "https://www.example.org/world/envoy-beirut"  # AMP page -> canonical
    assert article.language == "en"
    assert article.section == "World"
    assert article.tags == ("Lebanon", "Diplomacy")
    assert article.image_url == "https://img.example.org/lead.jpg"
    assert article.text.startswith("The envoy met")  # the headline is not repeated in the text
    assert "newsletter" not in article.text and "Share this" not in article.text


def test_meta_tags_when_there_is_no_json_ld() -> None:
    page = NEWS_PAGE.split('<script type="application/ld+json">')[0] + "</head><body><article>" + BODY
    article = extract(page + "</article></body></html>", url="https://www.example.org/world/envoy-beirut")
    assert article is not None
    assert article.title == "Envoy meets premier in Beirut"
    assert article.published == datetime(2024, 11, 3, 10, 0, tzinfo=UTC)
    assert article.published_source == "meta"
    assert article.modified is None


def test_the_twitter_cards_written_by_row_names_the_author_when_nothing_else_does() -> None:
    head = NEWS_PAGE.split('<script type="application/ld+json">')[0]
    rows = (
        '<meta name="twitter:label1" content="Est. reading time">'
        '<meta name="twitter:data1" content="3 minutes">'
        '<meta name="twitter:label2" content="Written by"><meta name="twitter:data2" content="Jane Doe">'
    )
    page = f"{head}{rows}</head><body><article>{BODY}</article></body></html>"
    article = extract(page, url="https://www.example.org/world/envoy-beirut")
    assert article is not None
    assert article.authors == ("Jane Doe",)
    named = extract(page.replace(rows, rows + '<meta name="author" content="John Smith">'))
    assert named is not None
    assert named.authors == ("John Smith",)  # an author meta tag comes first


def test_date_from_the_url_when_the_page_has_none() -> None:
    page = f"<html><head><title>Talks</title></head><body><article>{BODY}</article></body></html>"
    article = extract(page, url="https://news.example.org/2024/11/05/talks-resume/")
    assert article is not None
    assert article.published == datetime(2024, 11, 5, tzinfo=UTC)
    assert article.published_source == "url"


def test_a_canonical_pointing_home_is_ignored() -> None:
    page = f'<html><head><link rel="canonical" href="https://news.example.org/"></head><body>{BODY}</body></html>'
    article = extract(page, url="https://news.example.org/world/talks?gclid=1&id=4")
    assert article is not None
    assert article.canonical_url == "https://news.example.org/world/talks?id=4"


def test_site_suffix_is_stripped_from_titles() -> None:
    assert strip_site_suffix("Is it really always the DNS? | APNIC Blog", "APNIC Blog") == (
        "Is it really always the DNS?"
    )
    assert strip_site_suffix("Daily Example - Envoy meets premier", "Daily Example") == "Envoy meets premier"
    assert strip_site_suffix("Envoy meets premier in Beirut - Daily Example", None) == (
        "Envoy meets premier in Beirut"
    )
    assert strip_site_suffix("Israel - Hezbollah truce holds", None) == "Israel - Hezbollah truce holds"


def test_author_names_lose_prefixes_dates_and_roles() -> None:
    assert clean_authors(["By Jane Doe and John Smith"]) == ("Jane Doe", "John Smith")
    assert clean_authors(["Written by Jane Doe | Nov 3, 2024"]) == ("Jane Doe",)
    assert clean_authors(["Dylan Bailey, MS, RD", "Mike Marshall, Shipping Expert"]) == (
        "Dylan Bailey",
        "Mike Marshall",
    )
    assert clean_authors(["https://example.org/authors/jane"]) == ()
    assert clean_authors(["admin", "Staff", "Guest"]) == ()  # accounts and desks, not people
    assert clean_authors(["Admin Smith"]) == ("Admin Smith",)


def test_dates_in_common_forms() -> None:
    assert parse_date("2024-11-01T08:30:00+0200") == datetime(2024, 11, 1, 6, 30, tzinfo=UTC)
    assert parse_date("Fri, 01 Nov 2024 08:30:00 GMT") == datetime(2024, 11, 1, 8, 30, tzinfo=UTC)
    assert parse_date("November 1st, 2024") == datetime(2024, 11, 1, tzinfo=UTC)
    assert parse_date("0000-00-00") is None
    assert parse_date("1970-01-01") is None
    assert parse_date("2999-01-01") is None
    assert date_from_url("https://x.org/2024/11/01/story") == datetime(2024, 11, 1, tzinfo=UTC)
    assert date_from_url("https://x.org/story-2024") is None


def test_the_only_h1_is_the_headline_even_when_meta_titles_differ() -> None:
    metas = ["Best Travel Insurance for Seniors in 2025", "Travel cover for seniors | Example"]
    assert choose_title(metas, ["Best Travel Insurance for Seniors"], "Example") == (
        "Best Travel Insurance for Seniors"
    )
    assert choose_title(metas, ["Go ahead, self-host Postgres | Example"], "Example") == (
        "Go ahead, self-host Postgres"
    )


def test_a_short_or_repeated_h1_does_not_beat_the_meta_title() -> None:
    metas = ["Advent of Code 2025 week 2", "RogerBW's Blog: Advent of Code 2025 week 2"]
    assert choose_title(metas, ["Example"], None) == "Advent of Code 2025 week 2"
    assert choose_title(metas, ["RogerBW's Blog", "Day 7"], None) == "Advent of Code 2025 week 2"


def test_local_day_is_the_day_in_the_pages_own_time_zone() -> None:
    assert local_day("2020-04-12T21:00:00-04:00") == date(2020, 4, 12)
    assert parse_date("2020-04-12T21:00:00-04:00") == datetime(2020, 4, 13, 1, 0, tzinfo=UTC)
    assert local_day("Sat, 05 Jul 2025 00:03:42 +0200") == date(2025, 7, 5)
    assert local_day("November 1, 2024") == date(2024, 11, 1)
    assert local_day("not a date") is None
    assert local_day("1970-01-01") is None  # implausible, as for parse_date


def test_an_amp_url_without_a_declared_canonical_stands_for_the_regular_page() -> None:
    page = f"<html><head><title>Talks</title></head><body><article>{BODY}</article></body></html>"
    cached = (
        "https://www-example-org.cdn.ampproject.org/c/s/www.example.org/amp/world/talks?utm_source=x&id=4"
    )
    article = extract(page, url=cached)
    assert article is not None
    assert article.canonical_url == "https://www.example.org/world/talks?id=4"
    for url in ("https://www.example.org/world/talks?amp=1", "https://www.example.org/world/talks.amp"):
        article = extract(page, url=url)
        assert article is not None
        assert article.canonical_url == "https://www.example.org/world/talks"
    article = extract(page, url="https://www.example.org/amplifiers/review")  # not an AMP segment
    assert article is not None
    assert article.canonical_url == "https://www.example.org/amplifiers/review"
