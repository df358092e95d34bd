"""Listing pages (a ministry's press releases, a section front): bytes in, same-site links out.

The page's ``<a href>`` links are resolved against its final URL (or its ``<base href>``), and
kept when they stay on the same site (the host, or a subdomain of the same parent), are http(s)
and, when the source has a ``link_pattern``, match it. Nothing here fetches:
``sources/readers.py`` fetches the links not seen before as article pages.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from sources.decoding import decode_text

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


def parse_listing(
    content: bytes, *, base_url: str, content_type: str = "", pattern: str | None = None
) -> list[str]:
    """``article_links`` of the listing page ``content`` (decoded as its Content-Type says)."""
    return article_links(decode_text(content, content_type), base_url=base_url, pattern=pattern)
