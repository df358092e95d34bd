"""Web sources: one entry point that reads a feed, sitemap, listing page or single page.

``read_web_source`` reads one source with a shared ``Fetcher``; ``poll_web_sources`` reads many
at once (asyncio inside one task: never a task per article), within the fetcher's per-host
limits and at most ``max_concurrent_sources`` at a time, and returns each source's
``SourceRead`` or the ``FetchError`` that failed it (also handed to a callback as soon as it is
there), so one bad source never delays or stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from core.errors import FetchError
from core.records import SourceRead
from core.watchlist import WebSource
from sources.feeds import FeedEntry, ParsedFeed
from sources.http import Fetcher
from sources.listing import read_listing
from sources.pages import read_page
from sources.polling import ArticleLink, bounded_seen, fetch_articles, fetch_if_changed, source_read
from sources.sitemaps import read_sitemap

LOGGER = logging.getLogger(__name__)
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
Reader = Callable[[Fetcher, WebSource, dict[str, Any]], Awaitable[SourceRead]]


async def read_feed(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any]) -> SourceRead:
    """Entries of the feed at ``spec.url`` not seen before, each with its article page fetched."""
    url = str(spec.url)
    polled = await fetch_if_changed(fetcher, spec, url, cursor, accept=FEED_ACCEPT)
    response = polled.response
    if response is None:
        return source_read(spec, [], [], {**cursor, **polled.cursor}, unchanged=1)
    feed: ParsedFeed = await fetcher.parse(
        "feed", response.content, response.final_url, response.content_type
    )
    seen: dict[str, str] = dict(cursor.get("seen", {}))
    entries = {entry.key: entry for entry in feed.entries}  # duplicate GUIDs: the first one counts
    fresh = [entry for entry in entries.values() if seen.get(entry.key) != entry.signature]
    batch = fresh[: fetcher.http.max_new_entries]
    links = [_link(spec, entry) for entry in batch]
    documents, failures, done = await fetch_articles(fetcher, spec, links, fetch_pages=spec.fetch_articles)
    kept = {
        key: entry.signature
        for key, entry in entries.items()
        if key in done or seen.get(key) == entry.signature
    }
    fetch_record = {**polled.cursor["fetch"], "version": feed.version, "warning": feed.warning}
    next_cursor = {**polled.cursor, "fetch": fetch_record, "seen": bounded_seen(seen, kept)}
    if len(done) < len(fresh):
        next_cursor["body_hash"] = None  # entries left for the next poll: parse the feed again
    return source_read(spec, documents, failures, next_cursor, unchanged=len(entries) - len(fresh))


def _link(spec: WebSource, entry: FeedEntry) -> ArticleLink:
    # A GUID is only unique within its feed (R6), so it is scoped by the source's name.
    return ArticleLink(entry.key, entry.link, f"{spec.name}:{entry.identity}", entry.text)


READERS: dict[str, Reader] = {
    "feed": read_feed,
    "sitemap": read_sitemap,
    "listing": read_listing,
    "page": read_page,
}


async def read_web_source(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any]) -> SourceRead:
    """New documents of one web source since ``cursor``; FetchError when the source fails as a whole."""
    try:
        reader = READERS[spec.kind]
    except KeyError:
        raise FetchError(f"{spec.name} is not a web source", location=str(spec.location)) from None
    return await reader(fetcher, spec, dict(cursor))


async def poll_web_sources(
    fetcher: Fetcher,
    sources: Sequence[tuple[WebSource, dict[str, Any]]],
    on_read: Callable[[WebSource, SourceRead | FetchError], None] | None = None,
) -> list[SourceRead | FetchError]:
    """Each source's read or the error that failed it, in the order given; all polled concurrently.

    ``on_read`` is called with each source's result as soon as it is there, so the caller can
    store one source while others are still being fetched.
    """
    limit = asyncio.Semaphore(fetcher.http.max_concurrent_sources)

    async def one(spec: WebSource, cursor: dict[str, Any]) -> SourceRead | FetchError:
        async with limit:
            result = await _read_or_error(fetcher, spec, cursor)
        if on_read is not None:
            on_read(spec, result)
        return result

    return list(await asyncio.gather(*(one(spec, cursor) for spec, cursor in sources)))


async def _read_or_error(
    fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any]
) -> SourceRead | FetchError:
    try:
        return await read_web_source(fetcher, spec, cursor)
    except FetchError as exc:  # recorded by the caller, with the source's health
        return exc
