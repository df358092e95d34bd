"""HTML to article: the page is parsed once; metadata from JSON-LD and meta tags, main text from
the block classifier (``extractors.maintext``).

The date comes from the page's metadata (JSON-LD, meta tags, a <time> element, the URL), then
from htmldate with its extensive search (which guesses from the text) switched off, so a year
mentioned in the body never becomes the date.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import htmldate
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from core.errors import ExtractionError
from core.reasons import FailureReason
from core.records import ExtractedArticle, article_metadata
from extractors.authors import clean_authors
from extractors.dates import parse_date
from extractors.maintext import article_paragraphs, classified_text
from extractors.metadata import canonicalise_url, complete_article, count_words
from extractors.pagemeta import PageMeta, read_page_meta

LOGGER = logging.getLogger(__name__)

META_SOURCE = "meta"
HTML_DATE_SOURCE = "html"
# Fewer words than this is a navigation or link fragment, not an article.
MIN_ARTICLE_WORDS = 5
MAX_HTML_CHARS = 20_000_000
# End tags of <body> and <html>. Browsers keep reading the page after them (a template that
# closes the page, then prints the article), libxml2 leaves what follows out of the tree.
_PAGE_END_TAGS = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)


def extract_html(html: str, *, location: str, url: str | None = None) -> ExtractedArticle | None:
    """The article in an HTML page; None when the page holds no main text (index, stub, boilerplate).

    Raises ExtractionError (reason ``html_unparseable`` or ``document_too_large``) when it cannot be read.
    """
    url = url or (location if canonicalise_url(location) else None)
    tree = parse_html(html, location)
    meta = read_page_meta(tree, url)
    text = main_text(tree, meta)
    if text is None:
        LOGGER.info("no main text in %s", location)
        return None
    return _to_article(text, meta, tree, url, location)


def parse_html(html: str, location: str) -> HtmlElement:
    """The lxml tree of ``html``, with what follows a premature ``</body>`` or ``</html>`` kept in
    the body as browsers show it; ExtractionError when it is too large or not HTML at all."""
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError(
            f"{location}: the page is over {MAX_HTML_CHARS} characters",
            location=location,
            reason=FailureReason.DOCUMENT_TOO_LARGE,
        )
    try:
        tree = load_html(_PAGE_END_TAGS.sub("", html))
    except (ValueError, TypeError, etree.LxmlError) as exc:
        raise ExtractionError(
            f"{location}: cannot parse the HTML: {exc}",
            location=location,
            reason=FailureReason.HTML_UNPARSEABLE,
        ) from exc
    if tree is None:
        raise ExtractionError(
            f"{location}: cannot parse the HTML", location=location, reason=FailureReason.HTML_UNPARSEABLE
        )
    return tree


def main_text(tree: HtmlElement, meta: PageMeta) -> str | None:
    """The page's main text, one block a line; None when no block of it is content.

    Each text block is kept or dropped by a classifier trained on the development corpus (see
    ``extractors.maintext``); the page's title, JSON-LD articleBody and declared type are among
    the signals it weighs.
    """
    return classified_text(tree, title=meta.title, body=meta.body, declared_article=meta.is_article)


def _to_article(
    text: str, meta: PageMeta, tree: HtmlElement, url: str | None, location: str
) -> ExtractedArticle | None:
    """An ExtractedArticle from the main text and metadata; None when no paragraph survives cleaning."""
    paragraphs = article_paragraphs(text.splitlines(), meta.title)
    if count_words(" ".join(paragraphs)) < MIN_ARTICLE_WORDS:
        LOGGER.info("only boilerplate or fragments in %s", location)
        return None
    published, published_source, published_day = meta.published, meta.published_source, meta.published_day
    if published is None:
        published = _html_date(tree, url)
        published_source = HTML_DATE_SOURCE if published else None
        published_day = published.date() if published else None
    article = ExtractedArticle(
        location=location,
        title_derived=False,
        text="\n\n".join(paragraphs),
        published_day=published_day,
        **article_metadata(meta, published=published, published_source=published_source),
    )
    return complete_article(article)


def _html_date(tree: HtmlElement, url: str | None) -> Any:
    """htmldate's reading of dates in the markup (not guessed from the text); None when it finds none."""
    try:
        found = htmldate.find_date(tree, extensive_search=False, original_date=True, url=url)
    except (ValueError, TypeError, etree.LxmlError):
        return None
    return parse_date(found)


def split_authors(value: str | None) -> tuple[str, ...]:
    """The distinct author names in ``value`` ("A; B", "By A and B", "A, B"), in order; () if none."""
    return clean_authors([value]) if value else ()
