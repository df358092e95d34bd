"""Sitemaps: sitemap indexes, URL sets and Google News sitemaps, read incrementally by ``lastmod``.

XML is parsed with the standard library's expat (no external entities or DTDs are fetched;
expat ≥ 2.4.1 refuses billion-laughs expansions). A gzipped sitemap is inflated under the same
byte cap as any body. A child sitemap is fetched again only when its ``lastmod`` moved; a URL
is fetched again only when its ``lastmod`` (or news publication date) moved.
"""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from core.errors import FetchError
from core.records import FeedEntryText, SourceRead
from core.watchlist import WebSource
from sources.feeds import parse_iso_date, plausible_date
from sources.http import Fetcher
from sources.polling import ArticleLink, bounded_seen, fetch_articles, fetch_if_changed, source_read

LOGGER = logging.getLogger(__name__)
SITEMAP_ACCEPT = "application/xml,text/xml;q=0.9,*/*;q=0.5"
MAX_CHILD_SITEMAPS = 50
_NS = re.compile(r"^\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    """One ``<url>`` (or one child ``<sitemap>`` of an index)."""

    loc: str
    lastmod: str | None = None
    news_title: str | None = None
    news_published: str | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: ``index`` (children are sitemaps) or ``urlset`` (children are pages)."""

    kind: str
    urls: tuple[SitemapUrl, ...]


def parse_sitemap(content: bytes, *, location: str, limit: int) -> Sitemap:
    """The URLs of a sitemap or sitemap index; FetchError ``parse_error`` or ``not_a_sitemap``."""
    if content[:2] == b"\x1f\x8b":
        content = _gunzip(content, location, limit)
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, ValueError) as exc:
        raise FetchError(
            f"{location}: not well-formed XML: {exc}", location=location, reason="parse_error"
        ) from exc
    tag = _local(root.tag)
    if tag not in ("urlset", "sitemapindex"):
        raise FetchError(f"{location} is not a sitemap (<{tag}>)", location=location, reason="not_a_sitemap")
    urls = tuple(_url(child) for child in root if _local(child.tag) in ("url", "sitemap"))
    return Sitemap("index" if tag == "sitemapindex" else "urlset", tuple(u for u in urls if u.loc))


def _gunzip(content: bytes, location: str, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise FetchError(
            f"{location}: corrupt gzip: {exc}", location=location, reason="decode_error"
        ) from exc
    if len(data) > limit:
        raise FetchError(
            f"{location}: sitemap over {limit} bytes", location=location, reason="body_too_large"
        )
    return data


def _local(tag: Any) -> str:
    return _NS.sub("", tag) if isinstance(tag, str) else ""


def _url(element: ElementTree.Element) -> SitemapUrl:
    fields: dict[str, str] = {}
    for node in element.iter():
        name = _local(node.tag)
        if name in ("loc", "lastmod", "title", "publication_date") and node.text and node.text.strip():
            fields.setdefault(name, node.text.strip())
    return SitemapUrl(
        loc=fields.get("loc", ""),
        lastmod=fields.get("lastmod"),
        news_title=fields.get("title"),
        news_published=fields.get("publication_date"),
    )


async def read_sitemap(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any]) -> SourceRead:
    """New or changed pages listed by the sitemap at ``spec.url`` (following an index one level)."""
    url = str(spec.url)
    polled = await fetch_if_changed(fetcher, spec, url, cursor, accept=SITEMAP_ACCEPT)
    if polled.response is None:
        return source_read(spec, [], [], {**cursor, **polled.cursor}, unchanged=1)
    limit = fetcher.http.max_body_bytes
    sitemap: Sitemap = await fetcher.parse("sitemap", polled.response.content, url, limit)
    children: dict[str, str] = dict(cursor.get("children", {}))
    urls = list(sitemap.urls)
    if sitemap.kind == "index":
        urls, children = await _read_children(fetcher, spec, sitemap.urls, children, limit)
    if spec.link_pattern:
        urls = [u for u in urls if re.search(spec.link_pattern, u.loc)]
    seen: dict[str, str] = dict(cursor.get("seen", {}))
    marks = {u.loc: u.lastmod or u.news_published or "" for u in urls}
    fresh = [u for u in dict((u.loc, u) for u in urls).values() if seen.get(u.loc) != marks[u.loc]]
    batch = fresh[: fetcher.http.max_new_entries]
    documents, failures, done = await fetch_articles(fetcher, spec, [_link(u) for u in batch])
    kept = {loc: mark for loc, mark in marks.items() if loc in done or seen.get(loc) == mark}
    next_cursor = {**polled.cursor, "children": children, "seen": bounded_seen(seen, kept)}
    if len(done) < len(fresh):
        next_cursor["body_hash"] = None  # entries left for the next poll: read the sitemap again
    return source_read(spec, documents, failures, next_cursor, unchanged=len(urls) - len(fresh))


async def _read_children(
    fetcher: Fetcher, spec: WebSource, refs: tuple[SitemapUrl, ...], children: dict[str, str], limit: int
) -> tuple[list[SitemapUrl], dict[str, str]]:
    urls: list[SitemapUrl] = []
    updated = dict(children)
    due = [ref for ref in refs if ref.lastmod is None or children.get(ref.loc) != ref.lastmod]
    for ref in due[:MAX_CHILD_SITEMAPS]:
        try:
            page = await fetcher.fetch(ref.loc, accept=SITEMAP_ACCEPT, obey_robots=spec.robots == "obey")
            child: Sitemap = await fetcher.parse("sitemap", page.content, ref.loc, limit)
        except FetchError as exc:
            LOGGER.warning("child sitemap %s: %s (%s)", ref.loc, exc, exc.reason)
            continue
        urls.extend(child.urls if child.kind == "urlset" else ())
        updated[ref.loc] = ref.lastmod or ""
    return urls, updated


def _link(url: SitemapUrl) -> ArticleLink:
    published, note = plausible_date(parse_iso_date(url.news_published), datetime.now(UTC))
    entry = FeedEntryText(url.news_title, "", published, note) if url.news_title else None
    return ArticleLink(key=url.loc, url=url.loc, identity=f"url:{url.loc}", entry=entry)
