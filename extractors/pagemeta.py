"""Page metadata read from the parsed HTML: JSON-LD first, then meta tags, then the visible page.

title       the headline (an <h1> that a meta title starts with), else a meta title without
            the site's suffix ("Beirut talks stall | Example News" -> "Beirut talks stall")
authors     JSON-LD author names, else author meta tags, else a visible byline
published   JSON-LD datePublished ("json-ld"), a meta tag ("meta"), a <time> element in the
modified    page ("byline"), or the URL ("url"); each with that provenance
canonical   rel=canonical, og:url, JSON-LD url, else the page URL; tracking parameters dropped
language, site name, section, tags, lead image, and JSON-LD articleBody when present
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from extractors import jsonld
from extractors.authors import clean_authors
from extractors.dates import date_from_url, local_day, parse_date
from extractors.metadata import canonicalise_url
from extractors.titles import choose_title, headings, meta_titles

JSON_LD, META, BYLINE, URL = "json-ld", "meta", "byline", "url"
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
_MAX_BYLINE_CHARS = 80
_BYLINE_XPATH = (
    './/*[@rel="author" or @itemprop="author" or contains(@class, "byline")'
    ' or contains(@class, "author-name") or contains(@class, "author__name")'
    ' or contains(@class, "posted-by")]'
)
_TIME_XPATH = (
    './/time[@datetime][@itemprop="datePublished" or contains(@class, "publish")'
    ' or contains(@class, "entry-date") or ancestor::header or ancestor::article]'
)


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
    extra: dict[str, Any] = field(default_factory=dict)


def read_page_meta(tree: lxml_html.HtmlElement, url: str | None) -> PageMeta:
    """The metadata of the page ``tree`` (fetched from ``url`` when known)."""
    blocks = [s.text_content() for s in tree.iterfind('.//script[@type="application/ld+json"]')]
    article = jsonld.find_article(blocks) if blocks else None
    ld = article or {}
    metas = _meta_tags(tree)
    meta = PageMeta()
    meta.site_name = _site_name(ld, metas)
    meta.title = choose_title(meta_titles(tree, ld, metas), headings(tree), meta.site_name)
    meta.authors = _authors(tree, ld, metas)
    meta.published, meta.published_source, raw = _published(tree, ld, metas, url)
    meta.published_day = local_day(raw) if raw else (meta.published.date() if meta.published else None)
    meta.modified, meta.modified_source, _ = _first_date(
        ((jsonld.text_of(ld.get("dateModified")), JSON_LD), *((metas.get(k), META) for k in _MODIFIED_META))
    )
    meta.canonical_url = _canonical(tree, ld, metas, url)
    meta.language = _language(tree, ld, metas)
    meta.section = jsonld.text_of(ld.get("articleSection")) or metas.get("article:section")
    meta.tags = _tags(tree, ld, metas)
    meta.image_url = _image(ld, metas, url)
    body = ld.get("articleBody")
    meta.body = body if isinstance(body, str) and body.strip() else None
    meta.is_article = jsonld.is_article(article) or metas.get("og:type", "").lower() == "article"
    return meta


def _meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
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


def _authors(tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str]) -> tuple[str, ...]:
    names = jsonld.names_of(ld.get("author")) if ld.get("author") else []
    if not names:
        for key in _AUTHOR_META:
            value = metas.get(key)
            if value and not value.startswith(("http://", "https://")):
                names = [value]
                break
    if names:
        return clean_authors(names)
    for element in tree.xpath(_BYLINE_XPATH)[:10]:
        text = " ".join(
            " ".join(element.xpath(".//text()[not(ancestor::script or ancestor::style)]")).split()
        )
        found = clean_authors([text]) if 0 < len(text) <= _MAX_BYLINE_CHARS else ()
        if found:
            return found
    return ()


def _published(
    tree: lxml_html.HtmlElement, ld: dict[str, Any], metas: dict[str, str], url: str | None
) -> tuple[datetime | None, str | None, str | None]:
    """The publication time, its provenance, and the value as the page wrote it."""
    candidates = [(jsonld.text_of(ld.get("datePublished")), JSON_LD)]
    candidates += [(metas.get(key), META) for key in _PUBLISHED_META]
    candidates += [(jsonld.text_of(ld.get("dateCreated")), JSON_LD)]
    moment, source, raw = _first_date(candidates)
    if moment is None:
        times = tree.xpath(_TIME_XPATH)
        moment, source, raw = _first_date([(times[0].get("datetime"), BYLINE)] if times else [])
    if moment is None and (from_url := date_from_url(url)) is not None:
        moment, source, raw = from_url, URL, None
    return moment, source, raw


def _first_date(candidates: Any) -> tuple[datetime | None, str | None, str | None]:
    for value, source in candidates:
        moment = parse_date(value)
        if moment is not None:
            return moment, source, value
    return None, None, None


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
    return page


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
