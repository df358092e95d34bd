"""Reading step: the right reader for each kind of source, and what a web source adds to an article.

Local folders and files are read by ``sources.files``; feeds, sitemaps, listing pages and
single pages by ``sources.web`` through one ``Fetcher`` (asyncio inside the calling task, never
a task per article). After extraction, ``finish_article`` completes a web article with what its
feed entry said: the entry's own content when the page gave no main text (marked
``text_source="feed"``), the entry's title and date when the page has none, the identity to
use when the page names no canonical URL, and whether it is a watched page (revisions).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from core.errors import ExtractionError
from core.records import Document, ExtractedArticle, SourceRead
from core.settings import HttpSettings
from core.watchlist import LocalSource, SourceSpec, WebSource
from extractors import extract_document
from extractors.titles import without_social_suffix
from sources.egress import Resolver
from sources.fetcher import Fetcher
from sources.files import read_files
from sources.web import read_web_source

LOGGER = logging.getLogger(__name__)


def read_source(
    spec: SourceSpec,
    cursor: dict[str, Any],
    http: HttpSettings | None = None,
    *,
    resolver: Resolver | None = None,
) -> SourceRead:
    """New documents of one source since ``cursor``; raises FetchError when the source fails as a whole."""
    if isinstance(spec, LocalSource):
        return read_files(spec.name, spec.path, cursor)
    return asyncio.run(_read_web(spec, cursor, http or HttpSettings(), resolver))


async def _read_web(
    spec: WebSource, cursor: dict[str, Any], http: HttpSettings, resolver: Resolver | None
) -> SourceRead:
    async with Fetcher(http, resolver=resolver) as fetcher:
        return await read_web_source(fetcher, spec, cursor)


def finish_article(document: Document, article: ExtractedArticle | None) -> ExtractedArticle | None:
    """``article`` completed with what the source said about it; None when neither page nor entry has text."""
    if document.url is None:
        return article
    entry = document.entry
    if (article is None or not article.text.strip()) and entry is not None and entry.text:
        article = _from_entry(document)
    if article is None:
        return None
    changes: dict[str, Any] = {"identity": document.identity, "revisable": document.revisable}
    if entry is not None:
        if entry.title and (article.title is None or article.title_derived):
            changes.update(title=without_social_suffix(entry.title), title_derived=False)
        if article.published is None and entry.published is not None:
            changes.update(published=entry.published, published_source="feed")
        elif article.published is None:
            note = entry.date_note or "missing_date"
            changes.update(published=document.retrieved_at, published_source=f"first_seen ({note})")
    return dataclasses.replace(article, **changes)


def _from_entry(document: Document) -> ExtractedArticle | None:
    """The article made of the feed entry's own title and text, marked ``text_source="feed"``."""
    entry = document.entry
    assert entry is not None
    body = f"{entry.title}\n\n{entry.text}" if entry.title else entry.text
    stand_in = Document(
        document.source, document.location, body.encode("utf-8"), "text/plain", document.retrieved_at
    )
    try:
        article = extract_document(stand_in)
    except ExtractionError as exc:
        LOGGER.info("feed entry of %s has no usable text: %s", document.location, exc.reason)
        return None
    if article is None:
        return None
    return dataclasses.replace(article, text_source="feed")
