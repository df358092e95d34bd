"""Parsing what a web source fetched (a feed, a sitemap, a listing page): here, or in a worker.

The parsers are pure (bytes and a URL in, entries or links out: sources/feeds.py,
sources/sitemaps.py, sources/listing.py) and know nothing of fetching. A reader
(sources/readers.py) fetches with the ``Fetcher`` and hands the bytes to the ``Parser`` it was
given: ``parse_here`` in this process, or, from the pipeline, one that runs ``parse_document``
in killable worker processes with a time limit and a memory cap (pipeline/parse_workers.py, built on
extractors/workers.py), so a document that makes a parser run away costs one source its poll,
recorded as ``parse_timeout``/``parse_memory``/``parse_crashed``, and the run goes on.

Feeds, sitemaps and listing pages are hostile input (R3); the parsers themselves are also
defused against entity expansion and the known ReDoS (sources/feeds.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from core.errors import FetchError, fetch_error
from sources.feeds import parse_feed
from sources.listing import parse_listing
from sources.sitemaps import parse_sitemap


class Parser(Protocol):
    """Runs ``parse_document(kind, *args)`` somewhere and returns its result (or raises FetchError)."""

    async def __call__(self, kind: str, *args: Any) -> Any: ...


def _feed(content: bytes, base_url: str, content_type: str) -> Any:
    return parse_feed(content, base_url=base_url, content_type=content_type)


def _sitemap(content: bytes, location: str, limit: int) -> Any:
    return parse_sitemap(content, location=location, limit=limit)


def _listing(content: bytes, base_url: str, content_type: str, pattern: str | None) -> Any:
    return parse_listing(content, base_url=base_url, content_type=content_type, pattern=pattern)


PARSERS: dict[str, Callable[..., Any]] = {"feed": _feed, "sitemap": _sitemap, "listing": _listing}


def parse_document(kind: str, *args: Any) -> Any:
    """What the ``kind`` parser (feed, sitemap, listing) makes of ``args`` (always the content and
    its URL first); FetchError when the document is not one (``not_a_feed``, ``parse_error`` …)."""
    return PARSERS[kind](*args)


async def parse_here(kind: str, *args: Any) -> Any:
    """The ``Parser`` that runs ``parse_document`` in this process (tests, the CLI, one source)."""
    return parse_document(kind, *args)


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
        raise fetch_error(message, location=location, reason=reason)
    return value
