"""Main text and normalised metadata: ``extract(html, url)`` for a web page, ``extract_document``
for a ``Document`` read by a source (the ingest flow calls it; for HTML it does what ``extract`` does).

    Document ──decode_content──> str ──extract_text  (text/plain)──> ExtractedArticle | None
                                     └─extract_html  (text/html) ──┘
    extract(str | bytes, url) ──────────extract_html─────────────────> ExtractedArticle | None

None means the document holds no article (only boilerplate, an index page): a normal outcome.
Broken input raises ``ExtractionError`` whose ``reason`` says why: ``file_empty``,
``binary_content``, ``unsupported_media_type``, ``html_unparseable``.
"""

from __future__ import annotations

import logging

from core.errors import ExtractionError
from core.reasons import FailureReason
from core.records import Document, ExtractedArticle
from extractors.decoding import decode_content, undo_double_encoding
from extractors.plaintext import extract_text
from extractors.webpage import extract_html

__all__ = ["decode_content", "extract", "extract_document", "extract_html", "extract_text"]

LOGGER = logging.getLogger(__name__)

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})


def extract_document(document: Document) -> ExtractedArticle | None:
    """The article in ``document``; None when it holds no article text; ExtractionError when broken."""
    media_type = document.media_type.split(";", 1)[0].strip().lower()
    if media_type not in _HTML_TYPES | _TEXT_TYPES:
        raise ExtractionError(
            f"{document.location}: cannot extract {document.media_type!r}",
            location=document.location,
            reason=FailureReason.UNSUPPORTED_MEDIA_TYPE,
        )
    text = decode_content(document.content, location=document.location, media_type=document.media_type)
    if media_type in _HTML_TYPES:
        return extract_html(text, location=document.location, url=document.url)
    return extract_text(text, location=document.location)


def extract(html: str | bytes, url: str | None = None) -> ExtractedArticle | None:
    """The article in an HTML page (``str`` or undecoded ``bytes``); None when the page holds none.

    Raises ExtractionError (file_empty, binary_content, html_unparseable) when the page is broken.
    """
    location = url or "about:blank"
    if isinstance(html, bytes):
        html = decode_content(html, location=location, media_type="text/html")
    elif not html.strip():
        raise ExtractionError(
            f"{location}: the page is empty", location=location, reason=FailureReason.FILE_EMPTY
        )
    else:
        html = undo_double_encoding(html)
    return extract_html(html, location=location, url=url)
