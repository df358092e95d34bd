"""Sitemaps: sitemap indexes, URL sets and Google News sitemaps; bytes in, URLs out.

XML is parsed with the standard library's expat (no external entities or DTDs are fetched;
expat ≥ 2.4.1 refuses billion-laughs expansions). A gzipped sitemap is inflated under the same
byte cap as any body. Nothing here fetches: ``sources/readers.py`` reads a sitemap source
incrementally by ``lastmod``.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from core.errors import FetchError
from core.reasons import FailureReason

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
            f"{location}: not well-formed XML: {exc}", location=location, reason=FailureReason.PARSE_ERROR
        ) from exc
    tag = _local(root.tag)
    if tag not in ("urlset", "sitemapindex"):
        raise FetchError(
            f"{location} is not a sitemap (<{tag}>)", location=location, reason=FailureReason.NOT_A_SITEMAP
        )
    urls = tuple(_url(child) for child in root if _local(child.tag) in ("url", "sitemap"))
    return Sitemap("index" if tag == "sitemapindex" else "urlset", tuple(u for u in urls if u.loc))


def _gunzip(content: bytes, location: str, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise FetchError(
            f"{location}: corrupt gzip: {exc}", location=location, reason=FailureReason.DECODE_ERROR
        ) from exc
    if len(data) > limit:
        raise FetchError(
            f"{location}: sitemap over {limit} bytes", location=location, reason=FailureReason.BODY_TOO_LARGE
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
