"""Page metadata read from the parsed HTML: JSON-LD first, then meta tags, then the visible page.

title       the headline (see extractors.titles) without the site's name
authors     JSON-LD people, else the byline printed near the headline, else author meta tags, else
            an organisation named as author, else names in author-marked elements anywhere
published   JSON-LD, meta tags or microdata ("json-ld", "meta"), the dateline printed beside the
modified    headline ("byline"), or the URL ("url"), weighed as extractors.pubdates describes
canonical   rel=canonical, og:url, JSON-LD url, else the page URL with AMP resolved; tracking
            parameters dropped
language, site name, section, tags, lead image, and JSON-LD articleBody when present
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from extractors import jsonld
from extractors.authors import byline_names, choose_authors, clean_authors
from extractors.datelines import PUBLISHED_WORDS, Dateline, as_known_day, find_datelines, parse_day
from extractors.dates import date_from_url, local_day
from extractors.decoding import repair_mojibake
from extractors.metadata import canonicalise_url, without_amp
from extractors.nearby import ELSEWHERE, FOLLOWING, Line, is_elsewhere, lines_around, lines_within
from extractors.pubdates import first_dated, modification, publication
from extractors.titles import choose_title, heading_text, headings, meta_titles, normalise_title

JSON_LD, META = "json-ld", "meta"
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "published",
    "date.published",
    "published_time",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "citation_publication_date",
    "date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dcterms.modified",
    "dc.date.modified",
)
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
# Twitter card rows that SEO plugins (Yoast) fill with the author: twitter:labelN "Written by"
# (as they translate it), twitter:dataN the name.
_WRITTEN_BY = frozenset(
    {"written by", "geschrieben von", "écrit par", "escrito por", "scritto da", "geschreven door"}
)
_TWITTER_ROWS = 4
_MAX_BYLINE_CHARS = 80
# A <time pubdate> is weighed as a labelled dateline just beyond the lines read around the headline.
MARKED_DISTANCE = FOLLOWING + 1
# The elements marked as the author's (by attribute axis: three times faster than testing
# every element's class, which matters on pages of thousands of elements).
_BYLINE_XPATH = (
    './/@class[contains(., "byline") or contains(., "author-name") or contains(., "author__name")'
    ' or contains(., "posted-by")]/.. | .//@rel[. = "author"]/.. | .//@itemprop[. = "author"]/..'
)
_TIME_XPATH = (
    './/time[@datetime][@itemprop="datePublished" or contains(@class, "publish")'
    ' or contains(@class, "entry-date") or ancestor::header or ancestor::article]'
)
# A publication label with a year soon after it, or a year right before "updated" (a date and its
# update printed side by side), in a page's lower-cased text (not in a script's JSON, whose
# "datePublished": "2024-…" has quotes between); searched without IGNORECASE, which is twice as
# slow on the long texts of whole pages.
_LABELLED_DATE = re.compile(
    rf"{PUBLISHED_WORDS.pattern}[^\"{{}}<>]{{0,40}}\b(?:19|20)\d\d\b|\b(?:19|20)\d\d\W{{0,5}}updated\b"
)
# <time pubdate> (HTML5 drafts, still common in themes) marks the article's publication date.
_PUBDATE_XPATH = f".//time[@pubdate][not({ELSEWHERE})]"


@dataclass(slots=True)
class PageMeta:
    """Everything known about a page before its main text is extracted."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    published_source: str | None = None
    published_day: date | None = None  # the day of ``published`` in the page's own time zone
    modified: datetime | None = None
    modified_source: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    body: str | None = None  # JSON-LD articleBody
    is_article: bool = False  # the page declares itself an article (JSON-LD type or og:type)


def read_page_meta(tree: lxml_html.HtmlElement, url: str | None) -> PageMeta:
    """The metadata of the page ``tree`` (fetched from ``url`` when known)."""
    article = json_ld_article(tree)
    ld = article or {}
    metas = meta_tags(tree)
    meta = PageMeta()
    meta.site_name = _site_name(ld, metas)
    meta.is_article = jsonld.is_article(article) or metas.get("og:type", "").lower() == "article"
    lines = _title_and_authors(tree, ld, metas, meta, url)
    meta.canonical_url = _canonical(tree, ld, metas, url)
    meta.language = _language(tree, ld, metas)
    _dates(tree, ld, metas, meta, url, lines)
    meta.section = jsonld.text_of(ld.get("articleSection")) or metas.get("article:section")
    meta.tags = _tags(tree, ld, metas)
    meta.image_url = _image(ld, metas, url)
    body = ld.get("articleBody")
    meta.body = body if isinstance(body, str) and body.strip() else None
    return meta


def _title_and_authors(
    tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str], meta: PageMeta, url: str | None
) -> list[Line]:
    """Fill ``meta``'s title and authors; the lines around the headline, for the dates."""
    stated = jsonld.authors_of(ld.get("author")) if ld.get("author") else []
    meta_authors = _meta_authors(metas)
    reads_like_article = meta.is_article or bool(stated or meta_authors) or _states_publication(ld, metas)
    marked = None if reads_like_article else _marked_authors(tree)  # looked up only when it decides
    host = urlsplit(url).hostname if url else None
    titles, heads = meta_titles(tree, ld, metas), headings(tree)
    article = reads_like_article or bool(marked)
    title = choose_title(titles, heads, meta.site_name, article=article, host=host)
    # documentation generators end a heading with a permalink sign ("Quickstart¶"), read once repaired
    meta.title = repair_mojibake(title).rstrip("\u00b6 ") if title else None
    headline = headline_element(tree, title)  # as the page prints it
    lines = lines_around(headline) if headline is not None else []
    sites = (meta.site_name, jsonld.text_of(ld.get("publisher")))
    authors = choose_authors(stated, meta_authors, byline_names(lines), sites)
    if not authors:
        authors = marked if marked is not None else _marked_authors(tree)
    meta.authors = tuple(repair_mojibake(name) for name in authors)
    return lines


def _states_publication(ld: dict[str, Any], metas: dict[str, str]) -> bool:
    """The page's metadata gives a publication date (parsed or not): a report, not a catalogue page."""
    return bool(ld.get("datePublished")) or any(metas.get(key) for key in _PUBLISHED_META)


def json_ld_article(tree: lxml_html.HtmlElement) -> dict[str, Any] | None:
    """The page's JSON-LD object that describes its article (see extractors.jsonld); None if none."""
    blocks = [s.text_content() for s in tree.iterfind('.//script[@type="application/ld+json"]')]
    return jsonld.find_article(blocks) if blocks else None


def meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """The first non-empty content of each <meta> name, property or itemprop, lower-cased keys."""
    metas: dict[str, str] = {}
    for element in tree.iterfind(".//meta"):
        content = element.get("content")
        key = element.get("property") or element.get("name") or element.get("itemprop")
        if key and content and content.strip():
            metas.setdefault(key.strip().lower(), " ".join(content.split()))
    return metas


def _site_name(ld: dict[str, Any], metas: dict[str, str]) -> str | None:
    return (
        metas.get("og:site_name")
        or jsonld.text_of(ld.get("publisher"))
        or metas.get("application-name")
        or metas.get("twitter:site", "").lstrip("@")
        or None
    )


def _meta_authors(metas: dict[str, str]) -> list[str]:
    """The first author meta tag that is not a URL (a profile link says nothing about the name),
    else the twitter card's "Written by" row."""
    for key in _AUTHOR_META:
        value = metas.get(key)
        if value and not value.startswith(("http://", "https://")):
            return [value]
    for row in range(1, _TWITTER_ROWS + 1):
        if metas.get(f"twitter:label{row}", "").casefold() in _WRITTEN_BY and f"twitter:data{row}" in metas:
            return [metas[f"twitter:data{row}"]]
    return []


def _marked_authors(tree: lxml_html.HtmlElement) -> tuple[str, ...]:
    """Names in the elements the page marks as its author's, anywhere on it: the last resort."""
    for element in tree.xpath(_BYLINE_XPATH)[:10]:
        text = " ".join(
            " ".join(element.xpath(".//text()[not(ancestor::script or ancestor::style)]")).split()
        )
        found = clean_authors([text]) if 0 < len(text) <= _MAX_BYLINE_CHARS else ()
        if found:
            return found
    return ()


def _dates(
    tree: lxml_html.HtmlElement,
    ld: dict[str, Any],
    metas: dict[str, str],
    meta: PageMeta,
    url: str | None,
    around: list[Line],
) -> None:
    """Fill ``meta``'s publication and modification dates (see extractors.pubdates)."""
    url_date = date_from_url(url)
    url_day = url_date.date() if url_date else None
    published = first_dated(_stated_dates(tree, ld, metas, "datePublished", _PUBLISHED_META))
    modified = first_dated(_stated_dates(tree, ld, metas, "dateModified", _MODIFIED_META))
    day_first = _day_first(tree, metas)
    lines = find_datelines(around, day_first=day_first)
    if any(line.swappable for line in lines):
        stated_days = (dated.day for dated in (published, modified) if dated is not None)
        known = [url_day, *stated_days, *_time_days(tree)]
        lines = [as_known_day(line, known) for line in lines]
    marked = _marked_publication(tree)
    lines = [*lines, marked] if marked is not None else lines
    stated = publication(
        published,
        lines,
        header_time=lambda: _header_time(tree),
        labelled_anywhere=lambda: _labelled_anywhere(tree, day_first),
        url_day=url_day,
        modified_day=modified.day if modified else None,
    )
    if stated is not None:
        meta.published, meta.published_source, meta.published_day = stated.moment, stated.source, stated.day
    changed = modification(modified, lines)
    if changed is not None:
        meta.modified, meta.modified_source = changed.moment, changed.source


def _stated_dates(
    tree: lxml_html.HtmlElement,
    ld: dict[str, Any],
    metas: dict[str, str],
    prop: str,
    meta_keys: tuple[str, ...],
) -> Iterator[tuple[str | None, str]]:
    """(value, provenance) of a date property: JSON-LD, meta tags, then microdata, searched only if
    reached (``first_dated`` stops at the first plausible date)."""
    yield jsonld.text_of(ld.get(prop)), JSON_LD
    for key in meta_keys:
        yield metas.get(key), META
    if prop == "datePublished":
        yield jsonld.text_of(ld.get("dateCreated")), JSON_LD
    for element in tree.xpath(f'.//@itemprop[. = "{prop}"]/parent::*[not(self::meta)]'):
        yield element.get("content") or element.get("datetime") or element.text_content(), META


def _time_days(tree: lxml_html.HtmlElement) -> list[date | None]:
    """The days the page's ``<time datetime>`` elements state, wherever they are."""
    return [local_day(str(value)) for value in tree.xpath(".//time/@datetime")]


def _labelled_anywhere(tree: lxml_html.HtmlElement, day_first: bool) -> date | None:
    """The first dateline labelled "Published" / "Posted" (or printed right before an "Updated" one)
    in the page's body, outside lists of other articles (a template that prints "Post time:
    01-04-2024" below the article); None if none."""
    body = tree.find(".//body")
    if body is None or not _LABELLED_DATE.search(body.text_content().lower()):
        return None  # most pages print no such label: one search instead of a walk
    lines = find_datelines(lines_within(body), day_first=day_first)
    return next((line.day for line in lines if line.labelled), None)


def _header_time(tree: lxml_html.HtmlElement) -> str | None:
    """The datetime of the first <time> in the article's header or body, one outside lists of
    related stories first; None when there is none."""
    times = tree.xpath(_TIME_XPATH)
    own = [time for time in times if not is_elsewhere(time)]
    chosen = own or times  # a related story's date only when the page has no other (a listing page)
    return str(chosen[0].get("datetime")) if chosen else None


def _marked_publication(tree: lxml_html.HtmlElement) -> Dateline | None:
    """The first ``<time pubdate>`` outside related lists, as a dateline labelled "Published" (the
    page marks it so, wherever it prints it); None when the page has none."""
    for element in tree.xpath(_PUBDATE_XPATH)[:1]:
        day = local_day(element.get("datetime")) or parse_day(element.text_content())
        if day is not None:
            return Dateline(day, updated=False, distance=MARKED_DISTANCE, labelled=True)
    return None


def _day_first(tree: lxml_html.HtmlElement, metas: dict[str, str]) -> bool:
    """Whether the page writes 03/10/2023 for 3 October: everywhere but in US English (a locale
    with a region, such as og:locale en_GB, says more than a bare lang="en")."""
    declared = (tree.get("lang"), metas.get("og:locale"), metas.get("content-language"))
    locales = [value.strip().lower().replace("_", "-") for value in declared if value and value.strip()]
    locale = next((value for value in locales if "-" in value), locales[0] if locales else "en")
    return locale not in {"en", "en-us"}


def headline_element(tree: lxml_html.HtmlElement, title: str | None) -> lxml_html.HtmlElement | None:
    """The <h1> that prints ``title``, else the page's first <h1>; on a page without <h1>, the <h2>
    that prints it, else the one that shares most of its words (half of them at least), else the
    first <h2>; None when it has neither."""
    wanted = normalise_title(title or "")
    first = None
    for heading in tree.iterfind(".//h1"):
        first = heading if first is None else first
        if wanted and normalise_title(heading_text(heading)) == wanted:
            return heading
    if first is None:
        seconds = list(tree.iterfind(".//h2"))
        return _most_like(seconds, wanted) if seconds else None
    return first


def _most_like(headings: list[lxml_html.HtmlElement], wanted: str) -> lxml_html.HtmlElement:
    """The heading of ``headings`` whose words are most like the normalised title ``wanted``'s (the
    share of both's words they have in common, half at least), else the first."""
    words = set(wanted.split())
    best, best_share = headings[0], 0.5
    for heading in headings:
        own = set(normalise_title(heading_text(heading)).split())
        share = len(own & words) / len(own | words) if own | words else 0.0
        if share > best_share:
            best, best_share = heading, share
    return best


def _canonical(
    tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str], url: str | None
) -> str | None:
    links = tree.xpath('.//link[@rel="canonical"]/@href')
    main = ld.get("mainEntityOfPage")
    candidates = [*links, metas.get("og:url"), jsonld.text_of(main) if main else None, ld.get("url")]
    page = canonicalise_url(url)
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        resolved = canonicalise_url(urljoin(url or "", candidate.strip()))
        if resolved and not _is_home_for_article(resolved, page):
            return resolved
    return canonicalise_url(without_amp(page)) if page else None  # nothing declared: the URL, de-AMPed


def _is_home_for_article(candidate: str, page: str | None) -> bool:
    """A canonical that points to the site's home page from a deeper page is a template mistake."""
    return page is not None and urlsplit(candidate).path in {"", "/"} and urlsplit(page).path not in {"", "/"}


def _language(tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str]) -> str | None:
    value = (
        tree.get("lang")
        or jsonld.text_of(ld.get("inLanguage"))
        or metas.get("og:locale")
        or metas.get("content-language")
        or ""
    )
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def _tags(tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str]) -> tuple[str, ...]:
    tags = [t.get("content", "") for t in tree.xpath('.//meta[@property="article:tag"]')]
    if not any(tags):
        tags = jsonld.keywords_of(ld.get("keywords")) if ld.get("keywords") else []
    if not any(tags):
        tags = jsonld.keywords_of(metas.get("news_keywords") or metas.get("keywords"))
    return tuple(dict.fromkeys(" ".join(t.split()) for t in tags if t.strip()))[:30]


def _image(ld: dict[str, Any], metas: dict[str, str], url: str | None) -> str | None:
    images = [*jsonld.urls_of(ld.get("image")), metas.get("og:image"), metas.get("twitter:image")]
    for image in images:
        if image and not image.startswith("data:"):
            return urljoin(url or "", image)
    return None
