"""Parsing what a web source fetched (a feed, a sitemap, a listing page): here, or in a worker.

Feeds, sitemaps and listing pages are hostile input (R3). The parsers themselves are defused
against entity expansion and the known ReDoS (sources/feeds.py); beyond that, a flow can hand the
``Fetcher`` a ``Parser`` that runs them in killable worker processes with a time limit and a
memory cap (flows/parse_workers.py, built on extractors/workers.py), so a document that makes a
parser run away costs one source its poll, recorded as ``parse_timeout``/``parse_memory``/
``parse_crashed``, and the run goes on. Both ways run ``parse_document``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from core.errors import FetchError
from sources.decoding import decode_text
from sources.feeds import parse_feed
from sources.listing import article_links
from sources.sitemaps import parse_sitemap


class Parser(Protocol):
    """Runs ``parse_document(kind, *args)`` somewhere and returns its result (or raises FetchError)."""

    async def __call__(self, kind: str, *args: Any) -> Any: ...


def _feed(content: bytes, base_url: str, content_type: str) -> Any:
    return parse_feed(content, base_url=base_url, content_type=content_type)


def _sitemap(content: bytes, location: str, limit: int) -> Any:
    return parse_sitemap(content, location=location, limit=limit)


def _listing(content: bytes, base_url: str, content_type: str, pattern: str | None) -> Any:
    return article_links(decode_text(content, content_type), base_url=base_url, pattern=pattern)


PARSERS: dict[str, Callable[..., Any]] = {"feed": _feed, "sitemap": _sitemap, "listing": _listing}


def parse_document(kind: str, *args: Any) -> Any:
    """What the ``kind`` parser (feed, sitemap, listing) makes of ``args`` (always the content and
    its URL first); FetchError when the document is not one (``not_a_feed``, ``parse_error`` …)."""
    return PARSERS[kind](*args)


def parse_reply(kind: str, *args: Any) -> tuple[str, Any]:
    """``parse_document`` as a worker process runs it: ``("ok", result)``, or ``("error", (reason,
    message, location))`` for a FetchError, which then crosses back as a value."""
    try:
        return "ok", parse_document(kind, *args)
    except FetchError as exc:
        return "error", (exc.reason, str(exc), exc.location)


def raise_reply(reply: tuple[str, Any]) -> Any:
    """The result a ``parse_reply`` carries, or its FetchError raised again."""
    status, value = reply
    if status == "error":
        reason, message, location = value
        raise FetchError(message, location=location, reason=reason)
    return value
