"""Publication and modification dates: structured metadata, the dateline beside the headline, the URL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import html as lxml_html

from core.records import ExtractedArticle
from extractors import extract
from extractors.datelines import as_known_day, find_datelines, parse_day
from extractors.dates import _MONTH_NAMES, MONTHS, date_from_url
from extractors.nearby import lines_around
from tests.extractors.test_page_metadata import BODY

HEADLINE = "Envoy meets premier in Beirut"
SECTIONS = "".join(f"<li><a href='/s{n}'>Section {n}</a></li>" for n in range(50))


def _page(head: str = "", before: str = "", after: str = "", lang: str = "en", tail: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>{HEADLINE} | Daily Example</title>{head}</head>'
        f"<body><nav><a href='/'>Home</a></nav><article>{before}<h1>{HEADLINE}</h1>{after}{BODY}</article>"
        f"{tail}</body></html>"
    )


def _extract(page: str, url: str = "https://news.example.org/world/envoy") -> ExtractedArticle:
    article = extract(page, url=url)
    assert article is not None
    return article


def _ld(**fields: str) -> str:
    pairs = ", ".join(f'"{key}": "{value}"' for key, value in fields.items())
    return f'<script type="application/ld+json">{{"@type": "NewsArticle", {pairs}}}</script>'


def test_the_dateline_beside_the_headline_dates_a_page_without_metadata() -> None:
    article = _extract(_page(after='<p class="meta">By Jane Doe <span>·</span> <!-- -->March 4th, 2025</p>'))
    assert article.published == datetime(2025, 3, 4, tzinfo=UTC)
    assert article.published_source == "byline"
    assert article.published_day == date(2025, 3, 4)


def test_a_year_in_the_body_is_never_the_date() -> None:
    article = _extract(_page())
    assert article.published is None  # the body's "2006" is not a date, and there is no dateline


def test_an_updated_dateline_does_not_replace_the_structured_publication_date() -> None:
    head = _ld(datePublished="2025-06-17T09:00:00Z")
    dateline = "<p><b>Updated</b> <span>Dec 18, 2025</span> · 12 min read</p>"
    article = _extract(_page(head=head, after=dateline))
    assert article.published == datetime(2025, 6, 17, 9, 0, tzinfo=UTC)
    assert article.published_source == "json-ld"
    assert article.modified == datetime(2025, 12, 18, tzinfo=UTC)  # no dateModified: the dateline's
    assert article.modified_source == "byline"


def test_a_structured_date_later_than_the_printed_one_is_a_rebuild() -> None:
    head = _ld(datePublished="2025-06-24T00:00:00Z", dateModified="2025-06-24T00:00:00Z")
    article = _extract(_page(head=head, after='<div class="text__date">August 25, 2024</div>'))
    assert article.published_day == date(2024, 8, 25)
    assert article.published_source == "byline"
    assert article.modified == datetime(2025, 6, 24, tzinfo=UTC)


def test_a_later_printed_date_that_is_not_the_stated_revision_dates_the_page() -> None:
    head = _ld(datePublished="2013-03-11T11:11:07-07:00", dateModified="2026-02-18T07:49:16-08:00")
    article = _extract(_page(head=head, after="<time>March 20, 2023</time>"))
    assert (article.published_day, article.published_source) == (date(2023, 3, 20), "byline")
    assert article.modified_source == "json-ld"


def test_a_later_printed_date_that_may_be_the_revision_leaves_the_metadata() -> None:
    # the stated revision, printed without its label
    head = _ld(datePublished="2024-09-06", dateModified="2025-11-14")
    article = _extract(_page(head=head, after="<p>November 14, 2025</p>"))
    assert (article.published_day, article.published_source) == (date(2024, 9, 6), "json-ld")
    # no revision stated: the printed date may be it
    article = _extract(_page(head=_ld(datePublished="2024-09-06"), after="<p>November 14, 2025</p>"))
    assert (article.published_day, article.published_source) == (date(2024, 9, 6), "json-ld")


def test_a_numeric_dateline_is_read_the_way_the_metadata_confirms() -> None:
    # 09.10.2024 is 9 October by its dots, but the page states 10 September
    head = _ld(datePublished="2024-09-10T16:07:00Z", dateModified="2025-11-25T17:47:39Z")
    article = _extract(_page(head=head, after="<p>By Example Renovation 09.10.2024</p>"))
    assert (article.published_day, article.published_source) == (date(2024, 9, 10), "json-ld")


def test_a_numeric_dateline_is_read_the_way_a_time_elsewhere_on_the_page_confirms() -> None:
    # 02-12-2025 reads as 12 February in US English; the page's list of posts dates it 2 December
    posts = '<ul class="posts"><li><time datetime="2025-12-02">December 02, 2025</time></li></ul>'
    article = _extract(_page(after="<p>Jane Doe 02-12-2025</p>", tail=posts))
    assert (article.published_day, article.published_source) == (date(2025, 12, 2), "byline")


def test_a_labelled_publication_date_anywhere_dates_a_page_that_states_none_nearer() -> None:
    far = f"<ul>{SECTIONS}</ul>"  # more lines than are read around the headline
    article = _extract(_page(after=far, tail='<div style="text-align:right">Post time: 01-04-2024</div>'))
    assert (article.published_day, article.published_source) == (date(2024, 1, 4), "byline")
    # a related story's label does not count
    related = '<aside class="related"><p>Posted on March 3, 2021</p></aside>'
    assert _extract(_page(after=far, tail=related)).published is None


def test_a_date_printed_before_its_update_date_is_the_publication_date() -> None:
    far = f"<ul>{SECTIONS}</ul>"  # more lines than are read around the headline
    pair = '<p class="date">December 3, 2025. <i>Updated: December 7, 2025</i></p>'
    head = '<meta property="article:modified_time" content="2025-12-07T13:33:15+00:00">'
    article = _extract(_page(head=head, after=far, tail=pair))
    assert (article.published_day, article.published_source) == (date(2025, 12, 3), "byline")
    assert article.modified == datetime(2025, 12, 7, 13, 33, 15, tzinfo=UTC)


def test_only_a_numeric_dateline_is_read_the_other_way_round() -> None:
    tree = lxml_html.fromstring("<div><h1>Title</h1><p>03/10/2023</p><p>Nov 4, 2023</p></div>")
    numeric, named = find_datelines(lines_around(tree.find(".//h1")), day_first=True)
    assert as_known_day(numeric, [None, date(2023, 3, 10)]).day == date(2023, 3, 10)
    assert as_known_day(numeric, [date(2023, 10, 3), date(2023, 3, 10)]).day == date(2023, 10, 3)
    assert as_known_day(named, [date(2023, 4, 11)]).day == date(2023, 11, 4)


def test_on_a_page_without_h1_the_h2_most_like_the_title_is_the_headline() -> None:
    # the menu's <h2> comes first, too far from the dateline for it to be read around that <h2>
    page = (
        f"<html><head><title>Envoy meets the premier | Daily Example</title></head><body>"
        f"<header><h2>Menu</h2><ul>{SECTIONS}</ul></header>"
        f"<main><h3><span>blog | </span>February 1, 2022</h3>"
        f"<h2>The envoy meets the premier in Beirut</h2>{BODY}</main></body></html>"
    )
    article = _extract(page)
    assert (article.published_day, article.published_source) == (date(2022, 2, 1), "byline")


def test_a_date_far_from_the_headline_does_not_override_the_metadata() -> None:
    head = _ld(datePublished="2025-12-19T17:35:00+05:30")
    related = "".join(f"<li><a href='/a{n}'>Related story number {n}</a> <i>x</i></li>" for n in range(12))
    page = _page(head=head, after=f"<ul>{related}</ul><p>October 16, 2024</p>")
    article = _extract(page)
    assert article.published_source == "json-ld"
    assert article.published_day == date(2025, 12, 19)


def test_a_page_that_prints_only_its_update_date_is_dated_by_it() -> None:
    article = _extract(_page(before='<p class="updated">Last updated: 12 November 2025</p>'))
    assert article.published_day == date(2025, 11, 12)
    assert article.published_source == "byline"
    assert article.modified_source == "byline"


@pytest.mark.parametrize(
    ("lang", "url", "expected"),
    [
        ("en-US", "https://news.example.org/world/envoy", date(2023, 3, 10)),
        ("en-GB", "https://news.example.org/world/envoy", date(2023, 10, 3)),
        ("fr", "https://news.example.org/world/envoy", date(2023, 10, 3)),
        ("en", "https://news.example.org/2023/october/03/envoy", date(2023, 10, 3)),  # the URL decides
    ],
)
def test_numeric_datelines_follow_the_pages_locale(lang: str, url: str, expected: date) -> None:
    article = _extract(_page(after='<span class="post-time">03/10/2023</span>', lang=lang), url=url)
    assert article.published_day == expected


def test_a_utc_time_keeps_the_day_the_site_prints_in_its_url() -> None:
    head = '<meta property="article:published_time" content="2025-12-19T02:41:41+00:00">'
    article = _extract(_page(head=head), url="https://blog.example.org/2025/12/18/comfort-watches/")
    assert article.published == datetime(2025, 12, 19, 2, 41, 41, tzinfo=UTC)  # the instant is kept
    assert article.published_day == date(2025, 12, 18)  # the day the site's readers saw


def test_a_time_with_its_own_offset_keeps_its_day() -> None:
    head = _ld(datePublished="2025-12-18T21:41:41-05:00")
    article = _extract(_page(head=head, after="<p>December 19, 2025</p>"))
    assert article.published_day == date(2025, 12, 18)


def test_microdata_and_meta_names_count_as_metadata() -> None:
    microdata = '<ul><li itemprop="datePublished"><time>February 9th, 2024</time></li></ul>'
    article = _extract(_page(tail=microdata))
    assert (article.published_day, article.published_source) == (date(2024, 2, 9), "meta")
    article = _extract(_page(head='<meta name="published" content="July 17, 2025">'))
    assert (article.published_day, article.published_source) == (date(2025, 7, 17), "meta")


def test_datelines_are_read_in_document_order_around_the_headline() -> None:
    tree = lxml_html.fromstring(
        "<div><p>Published</p><p><b>Last</b> updated: 3 Nov 2024</p><h1>Title</h1>"
        "<p> <!-- -->Dec 17, 2025</p><script>var d = '1 Jan 2020';</script><p>See 03/10/2023</p></div>"
    )
    lines = find_datelines(lines_around(tree.find(".//h1")))
    assert [(line.day, line.updated, line.distance) for line in lines] == [
        (date(2025, 12, 17), False, 1),
        (date(2023, 3, 10), False, 2),
        (date(2024, 11, 3), True, -1),
    ]


def test_dates_written_in_common_forms() -> None:
    assert parse_day("Posted on Nov 3, 2024 by Jane") == date(2024, 11, 3)
    assert parse_day("3rd of November 2024") == date(2024, 11, 3)
    assert parse_day("Sept. 3, 2024") == date(2024, 9, 3)
    assert parse_day("2024-11-03") == date(2024, 11, 3)
    assert parse_day("12.12.2025") == date(2025, 12, 12)
    assert parse_day("31/12/2025") == date(2025, 12, 31)
    assert parse_day("5 minutes read") is None
    assert parse_day("February 30, 2024") is None
    assert date_from_url("https://x.org/blog/2023/october/03/how") == datetime(2023, 10, 3, tzinfo=UTC)
    assert date_from_url("https://x.org/2024/sept/01/story") == datetime(2024, 9, 1, tzinfo=UTC)
    assert date_from_url("https://x.org/2024/foo/01/story") is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Veröffentlicht am 4. März 2025", date(2025, 3, 4)),
        ("Publié le 1er février 2024", date(2024, 2, 1)),
        ("Publicado el 4 de marzo de 2025", date(2025, 3, 4)),
        ("on 04-ago-2021 5:11:10", date(2021, 8, 4)),
        ("Pubblicato il 12 maggio 2023", date(2023, 5, 12)),
        ("Publicado em 3 de março de 2022", date(2022, 3, 3)),
        ("Gepubliceerd op 7 mrt. 2024", date(2024, 3, 7)),
        ("7 maart 2024", date(2024, 3, 7)),
        ("18 déc. 2025", date(2025, 12, 18)),
    ],
)
def test_month_names_in_other_languages(written: str, expected: date) -> None:
    assert parse_day(written) == expected


def test_a_language_dateline_dates_a_page_without_metadata() -> None:
    article = _extract(_page(after="<p>Veröffentlicht am <span>4. März 2025</span></p>", lang="de"))
    assert (article.published_day, article.published_source) == (date(2025, 3, 4), "byline")


def test_dashed_numeric_dates_follow_the_locale() -> None:
    assert parse_day("Post time: 01-04-2024") == date(2024, 1, 4)
    assert parse_day("Post time: 01-04-2024", day_first=True) == date(2024, 4, 1)
    assert parse_day("2024/01/04") == date(2024, 1, 4)


def test_a_dateline_labelled_published_comes_before_an_unlabelled_one() -> None:
    after = "<p>Sep 30, 2022</p><p>Posted on <time>September 26, 2019</time></p>"
    article = _extract(_page(after=after))
    assert article.published_day == date(2019, 9, 26)


def test_published_in_a_sentence_is_not_a_label() -> None:
    after = "<p>July 1, 2023</p><p>The analysis, published online Feb. 16, 2023</p>"
    article = _extract(_page(after=after))
    assert article.published_day == date(2023, 7, 1)


def test_a_labelled_publication_dateline_further_down_still_shows_a_rebuild() -> None:
    head = _ld(datePublished="2025-11-29T12:28:31-05:00")
    filler = "".join(f"<li><a href='/s{n}'>Share {n}</a></li>" for n in range(12))
    page = _page(head=head, after=f"<ul>{filler}</ul><div>Published <time>August 13, 2025</time></div>")
    assert _extract(page).published_day == date(2025, 8, 13)
    unlabelled = _page(head=head, after=f"<ul>{filler}</ul><div><time>August 13, 2025</time></div>")
    assert _extract(unlabelled).published_day == date(2025, 11, 29)  # too far to be the page's own


def test_a_time_element_is_read_by_its_text_and_its_datetime_resolves_the_order() -> None:
    ambiguous = '<time datetime="2023-10-12T19:38:01Z">10/12/2023 7:38:01 PM</time>'
    assert _extract(_page(after=ambiguous, lang="en-US")).published_day == date(2023, 10, 12)
    # the attribute is the UTC instant, the text the day the readers saw
    local = '<time datetime="2026-02-24T03:10:00Z">February 23, 2026</time>'
    assert _extract(_page(after=local)).published_day == date(2026, 2, 23)
    wordy = '<p>By Jane Doe</p><time datetime="2024-05-02T08:00:00Z">Thursday morning</time>'
    assert _extract(_page(after=wordy)).published_day == date(2024, 5, 2)


def test_a_time_marked_pubdate_anywhere_is_the_printed_publication_date() -> None:
    head = _ld(datePublished="2025-11-29T12:28:31-05:00")
    foot = '<div class="published"><time pubdate datetime="2025-08-13">August 13, 2025</time></div>'
    article = _extract(_page(head=head, tail=foot))
    assert (article.published_day, article.published_source) == (date(2025, 8, 13), "byline")
    related = '<aside class="related"><time pubdate datetime="2024-01-05">Jan 5, 2024</time></aside>'
    assert _extract(_page(head=head, tail=related)).published_day == date(2025, 11, 29)


def test_a_time_in_a_related_articles_list_does_not_date_the_page() -> None:
    related = "".join(
        f"<div class='related-item'><a href='/r{n}'>Other story number {n} on the site</a>"
        f"<time datetime='2026-03-0{n + 1}'>March {n + 1}</time></div>"
        for n in range(3)
    )
    head = _ld(datePublished="2026-03-10T08:00:00Z")
    article = _extract(_page(head=head, after=f"<div class='related-articles'>{related}</div>"))
    assert (article.published_day, article.published_source) == (date(2026, 3, 10), "json-ld")


def test_each_language_names_its_twelve_months_in_order() -> None:
    for language, names in _MONTH_NAMES.items():
        spelled = names.split()
        assert len(spelled) == 24, language
        assert [MONTHS[name] for name in spelled] == [*range(1, 13), *range(1, 13)], language
