"""Listing pages (a ministry's press releases, a section front): follow their same-site links.

The page is fetched conditionally; its ``<a href>`` links are resolved against the final URL,
kept when they stay on the same site (the host, or a subdomain of the same parent), are http(s)
and, when the source has a ``link_pattern``, match it. Links not seen before are fetched as
article pages.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from core.records import SourceRead
from core.watchlist import WebSource
from sources.http import Fetcher
from sources.polling import (
    HTML_ACCEPT,
    ArticleLink,
    bounded_seen,
    fetch_articles,
    fetch_if_changed,
    source_read,
)

MAX_LINKS = 2000


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and len(self.hrefs) < MAX_LINKS:
            self.hrefs.append(str(values["href"]))
        elif tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]


def article_links(html: str, *, base_url: str, pattern: str | None = None) -> list[str]:
    """Same-site http(s) links of a listing page, in page order, without duplicates or fragments."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    base = urljoin(base_url, parser.base) if parser.base else base_url
    site = _site(urlsplit(base_url).hostname or "")
    own = urldefrag(base_url).url.rstrip("/")
    links: dict[str, None] = {}
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href.strip())).url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or _site(parts.hostname or "") != site:
            continue
        if url.rstrip("/") == own or parts.path in ("", "/"):
            continue
        if pattern and not re.search(pattern, url):
            continue
        links[url] = None
    return list(links)


def _site(host: str) -> str:
    """The host without ``www.``, and a subdomain folded into its parent (news.x.org -> x.org)."""
    labels = host.lower().removeprefix("www.").split(".")
    return (
        ".".join(labels[-2:]) if len(labels) > 2 and not host.replace(".", "").isdigit() else ".".join(labels)
    )


async def read_listing(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any]) -> SourceRead:
    """Article pages newly linked from the listing page at ``spec.url``."""
    url = str(spec.url)
    polled = await fetch_if_changed(fetcher, spec, url, cursor, accept=HTML_ACCEPT)
    if polled.response is None:
        return source_read(spec, [], [], {**cursor, **polled.cursor}, unchanged=1)
    response = polled.response
    links: list[str] = await fetcher.parse(
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
