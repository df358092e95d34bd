"""The readers of web sources: a feed, a sitemap, a listing page, a single page.

Each reader fetches with the ``Fetcher`` (conditionally, against the source's cursor:
sources/polling.py), hands what it fetched to the ``Parser`` it was given (sources/parsing.py:
in this process, or in the pipeline's worker processes), and fetches the article pages the
source points at that it has not seen before. It returns one ``SourceRead`` with the next cursor.

- **feed**: entries not seen before (or whose title or link changed), each with its page.
- **sitemap**: pages whose ``lastmod`` (or news publication date) moved; a sitemap index is
  followed one level, a child sitemap fetched again only when its own ``lastmod`` moved.
- **listing**: same-site links not seen before, fetched as article pages.
- **page**: the page itself when its body changed, one Document marked ``revisable``: the
  storing step records a new revision of the same article (identity ``page:<url>`` unless the
  page names a canonical URL), not a new article.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from core.dates import parse_iso_date
from core.errors import FetchError
from core.records import Document, FeedEntryText, SourceRead
from core.watchlist import WebSource
from sources.feeds import FeedEntry, ParsedFeed, plausible_date
from sources.fetcher import Fetcher
from sources.parsing import Parser
from sources.polling import (
    HTML_ACCEPT,
    ArticleLink,
    Polled,
    bounded_seen,
    fetch_articles,
    fetch_if_changed,
    source_read,
)
from sources.sitemaps import Sitemap, SitemapUrl

LOGGER = logging.getLogger(__name__)
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
SITEMAP_ACCEPT = "application/xml,text/xml;q=0.9,*/*;q=0.5"
MAX_CHILD_SITEMAPS = 50
Reader = Callable[[Fetcher, WebSource, dict[str, Any], Parser], Awaitable[SourceRead]]


def _nothing_new(spec: WebSource, cursor: dict[str, Any], polled: Polled) -> SourceRead:
    """The read of a source whose document did not change (a 304, or the body already seen)."""
    return source_read(spec, [], [], {**cursor, **polled.cursor}, unchanged=1)


async def read_feed(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any], parse: Parser) -> SourceRead:
    """Entries of the feed at ``spec.url`` not seen before, each with its article page fetched."""
    polled = await fetch_if_changed(fetcher, spec, str(spec.url), cursor, accept=FEED_ACCEPT)
    response = polled.response
    if response is None:
        return _nothing_new(spec, cursor, polled)
    feed: ParsedFeed = await parse("feed", response.content, response.final_url, response.content_type)
    seen: dict[str, str] = dict(cursor.get("seen", {}))
    entries = {entry.key: entry for entry in feed.entries}  # duplicate GUIDs: the first one counts
    fresh = [entry for entry in entries.values() if seen.get(entry.key) != entry.signature]
    batch = fresh[: fetcher.http.max_new_entries]
    links = [_entry_link(spec, entry) for entry in batch]
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


def _entry_link(spec: WebSource, entry: FeedEntry) -> ArticleLink:
    # A GUID is only unique within its feed (R6), so it is scoped by the source's name.
    return ArticleLink(entry.key, entry.link, f"{spec.name}:{entry.identity}", entry.text)


async def read_sitemap(
    fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any], parse: Parser
) -> SourceRead:
    """New or changed pages listed by the sitemap at ``spec.url`` (following an index one level)."""
    url = str(spec.url)
    polled = await fetch_if_changed(fetcher, spec, url, cursor, accept=SITEMAP_ACCEPT)
    if polled.response is None:
        return _nothing_new(spec, cursor, polled)
    limit = fetcher.http.max_body_bytes
    sitemap: Sitemap = await parse("sitemap", polled.response.content, url, limit)
    children: dict[str, str] = dict(cursor.get("children", {}))
    urls = list(sitemap.urls)
    if sitemap.kind == "index":
        urls, children = await _read_children(fetcher, spec, parse, sitemap.urls, children)
    if spec.link_pattern:
        urls = [u for u in urls if re.search(spec.link_pattern, u.loc)]
    seen: dict[str, str] = dict(cursor.get("seen", {}))
    marks = {u.loc: u.lastmod or u.news_published or "" for u in urls}
    fresh = [u for u in dict((u.loc, u) for u in urls).values() if seen.get(u.loc) != marks[u.loc]]
    batch = fresh[: fetcher.http.max_new_entries]
    documents, failures, done = await fetch_articles(fetcher, spec, [_sitemap_link(u) for u in batch])
    kept = {loc: mark for loc, mark in marks.items() if loc in done or seen.get(loc) == mark}
    next_cursor = {**polled.cursor, "children": children, "seen": bounded_seen(seen, kept)}
    if len(done) < len(fresh):
        next_cursor["body_hash"] = None  # entries left for the next poll: read the sitemap again
    return source_read(spec, documents, failures, next_cursor, unchanged=len(urls) - len(fresh))


async def _read_children(
    fetcher: Fetcher, spec: WebSource, parse: Parser, refs: tuple[SitemapUrl, ...], children: dict[str, str]
) -> tuple[list[SitemapUrl], dict[str, str]]:
    urls: list[SitemapUrl] = []
    updated = dict(children)
    due = [ref for ref in refs if ref.lastmod is None or children.get(ref.loc) != ref.lastmod]
    for ref in due[:MAX_CHILD_SITEMAPS]:
        try:
            page = await fetcher.fetch(ref.loc, accept=SITEMAP_ACCEPT, obey_robots=spec.robots == "obey")
            child: Sitemap = await parse("sitemap", page.content, ref.loc, fetcher.http.max_body_bytes)
        except FetchError as exc:
            LOGGER.warning("child sitemap %s: %s (%s)", ref.loc, exc, exc.reason)
            continue
        urls.extend(child.urls if child.kind == "urlset" else ())
        updated[ref.loc] = ref.lastmod or ""
    return urls, updated


def _sitemap_link(url: SitemapUrl) -> ArticleLink:
    published, note = plausible_date(parse_iso_date(url.news_published), datetime.now(UTC))
    entry = FeedEntryText(url.news_title, "", published, note) if url.news_title else None
    return ArticleLink(key=url.loc, url=url.loc, identity=f"url:{url.loc}", entry=entry)


async def read_listing(
    fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any], parse: Parser
) -> SourceRead:
    """Article pages newly linked from the listing page at ``spec.url``."""
    polled = await fetch_if_changed(fetcher, spec, str(spec.url), cursor, accept=HTML_ACCEPT)
    response = polled.response
    if response is None:
        return _nothing_new(spec, cursor, polled)
    links: list[str] = await parse(
        "listing", response.content, response.final_url, response.content_type, spec.link_pattern
    )
    seen: dict[str, str] = dict(cursor.get("seen", {}))
    fresh = [link for link in links if link not in seen]
    batch = fresh[: fetcher.http.max_new_entries]
    documents, failures, done = await fetch_articles(
        fetcher, spec, [ArticleLink(key=link, url=link, identity=f"url:{link}") for link in batch]
    )
    kept = {link: "" for link in links if link in seen or link in done}
    next_cursor = {**polled.cursor, "seen": bounded_seen(seen, kept)}
    if len(done) < len(fresh):
        next_cursor["body_hash"] = None
    return source_read(spec, documents, failures, next_cursor, unchanged=len(links) - len(fresh))


async def read_page(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any], parse: Parser) -> SourceRead:
    """The page at ``spec.url`` when it changed since the last poll; nothing otherwise (no parsing)."""
    url = str(spec.url)
    polled = await fetch_if_changed(fetcher, spec, url, cursor, accept=HTML_ACCEPT)
    page = polled.response
    if page is None:
        return _nothing_new(spec, cursor, polled)
    document = Document(
        spec.name,
        page.final_url,
        page.content,
        page.content_type or "text/html",
        datetime.now(UTC),
        url=url,
        identity=f"page:{url}",
        revisable=True,
    )
    return source_read(spec, [document], [], {**cursor, **polled.cursor})


READERS: dict[str, Reader] = {
    "feed": read_feed,
    "sitemap": read_sitemap,
    "listing": read_listing,
    "page": read_page,
}
