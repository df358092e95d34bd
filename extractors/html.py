"""HTML to article with trafilatura: main text, title, authors, date, site name, canonical URL.

The date comes from the page's metadata through htmldate, with its extensive search (which
guesses from the text) switched off, so a year mentioned in the body never becomes the date.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura
from lxml import etree

from core.errors import ExtractionError
from core.records import ExtractedArticle
from extractors.boilerplate import strip_trailing_boilerplate
from extractors.metadata import canonicalise_url, complete_article, count_words, parse_iso_date

LOGGER = logging.getLogger(__name__)

META_SOURCE = "html-meta"
DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True}
# Fewer words than this is a navigation or link fragment, not an article.
MIN_ARTICLE_WORDS = 5
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:;|,|&|\band\b)\s*", re.IGNORECASE)
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)


def extract_html(html: str, *, location: str) -> ExtractedArticle | None:
    """The article in an HTML page; None when the page holds no main text (index, stub, boilerplate).

    Raises ExtractionError (reason ``html_unparseable``) when lxml or trafilatura cannot read it.
    """
    url = location if canonicalise_url(location) else None
    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, date_extraction_params=DATE_PARAMS
        )
    except (ValueError, TypeError, etree.LxmlError) as exc:
        raise ExtractionError(
            f"{location}: cannot parse the HTML: {exc}", location=location, reason="html_unparseable"
        ) from exc
    if document is None or not getattr(document, "text", None):
        LOGGER.info("no main text in %s", location)
        return None
    return _to_article(document, location)


def _to_article(document: Any, location: str) -> ExtractedArticle | None:
    """An ExtractedArticle from trafilatura's Document; None when no paragraph survives cleaning."""
    title = _clean(document.title)
    paragraphs = strip_trailing_boilerplate(_paragraphs(document.text, title))
    if count_words(" ".join(paragraphs)) < MIN_ARTICLE_WORDS:
        LOGGER.info("only boilerplate or fragments in %s", location)
        return None
    published = parse_iso_date(document.date)
    article = ExtractedArticle(
        location=location,
        title=title,
        title_derived=False,
        text="\n\n".join(paragraphs),
        authors=split_authors(document.author),
        published=published,
        published_source=META_SOURCE if published else None,
        site_name=_clean(document.sitename),
        canonical_url=canonicalise_url(document.url),
    )
    return complete_article(article)


def _paragraphs(text: str, title: str | None) -> list[str]:
    """The non-blank lines of trafilatura's text, without a first line that repeats the title."""
    paragraphs = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    return paragraphs


def split_authors(value: str | None) -> tuple[str, ...]:
    """The distinct author names in ``value`` ("A; B", "A and B", "A, B"), in order; () if none."""
    if not value:
        return ()
    names = (_BY_PREFIX.sub("", name).strip() for name in _AUTHOR_SEPARATORS.split(value))
    return tuple(dict.fromkeys(name for name in names if name))


def _clean(value: str | None) -> str | None:
    """``value`` with its whitespace collapsed; None when it is empty."""
    text = " ".join(value.split()) if value else ""
    return text or None
