"""RSS 0.9x/1.0/2.0, Atom and JSON Feed: bytes in, entries out.

feedparser is only ever handed bytes (``io.BytesIO``), never a URL or a string it could take
for a path, so parsing does no network or file I/O; the final URL goes in as
``Content-Location`` so relative links and ``xml:base`` resolve against where the feed really
was. Links with another scheme than http(s) (``javascript:``, ``file:``, ``gopher:``) are
dropped. JSON Feed is read with the standard library.

Each entry gets a ``key`` for the seen-set (GUID, else link, else a hash of title and text) and
an ``identity`` for the article when its page has no canonical URL (the GUID, else a hash of
title and link). Dates outside 1990 … tomorrow are not believed: the entry is flagged and has
no date, so a feed that says 2099 can neither pin the ordering nor re-alert.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from core.dates import parse_iso_date
from core.errors import FetchError
from core.reasons import FailureReason
from core.records import FeedEntryText

LOGGER = logging.getLogger(__name__)
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
_JSON_FEED = re.compile(rb"^\s*\{")
_PROLOG_BYTES = 256 * 1024
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
_MAX_AUTHOR_CHARS = 300
_LONG_AUTHOR = re.compile(
    rb"(<(author|managingEditor|webMaster|dc:creator|itunes:author|name|email)\b[^>]{0,200}>)([^<]{300,})",
    re.IGNORECASE,
)
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section"}
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a feed, with hostile fields already made safe."""

    key: str  # stable within the feed: what the seen-set remembers
    signature: str  # changes when the title or link changes (same GUID, new title)
    identity: str  # article identity when the page gives no canonical URL
    link: str | None  # absolute http(s) URL, or None
    unsafe_link: str | None  # a link that was dropped for its scheme
    text: FeedEntryText


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its entries in document order, and a warning when the parser complained."""

    version: str
    entries: tuple[FeedEntry, ...]
    warning: str | None = None


def parse_feed(
    content: bytes, *, base_url: str, content_type: str = "", now: datetime | None = None
) -> ParsedFeed:
    """Entries of an RSS, Atom or JSON feed; FetchError ``empty``, ``not_a_feed`` or ``parse_error``."""
    if not content.strip():
        raise FetchError(
            f"{base_url} answered with an empty body", location=base_url, reason=FailureReason.EMPTY
        )
    now = now or datetime.now(UTC)
    if "json" in content_type.lower() or _JSON_FEED.match(content):
        return _parse_json_feed(content, base_url, now)
    try:
        parsed = feedparser.parse(
            io.BytesIO(defuse(content)),
            response_headers={
                "content-location": base_url,
                "content-type": content_type or "application/xml",
            },
            sanitize_html=True,
            resolve_relative_uris=True,
        )
    except Exception as exc:  # feedparser has crashed on odd input before (kurtmckee/feedparser#378)
        raise FetchError(
            f"{base_url}: the feed parser failed: {exc!r}",
            location=base_url,
            reason=FailureReason.PARSE_ERROR,
        ) from exc
    return _from_feedparser(parsed, base_url, now)


def defuse(content: bytes) -> bytes:
    """The feed without what only attacks need: a DOCTYPE's internal subset (entity expansion,
    billion laughs, external entities) and author fields long enough to hit feedparser's
    backtracking e-mail regex (kurtmckee/feedparser#562)."""
    head = content[:_PROLOG_BYTES]
    found = _INTERNAL_SUBSET.search(head)
    if found:
        content = content[: found.start()] + content[found.end() :]
    return _LONG_AUTHOR.sub(lambda m: m.group(1) + m.group(3)[:_MAX_AUTHOR_CHARS], content)


def _from_feedparser(parsed: Any, base_url: str, now: datetime) -> ParsedFeed:
    problem = parsed.get("bozo_exception")
    if not parsed.get("version") and not parsed.entries:
        reason = (
            FailureReason.NOT_A_FEED if _looks_like_html(parsed) or not problem else FailureReason.PARSE_ERROR
        )
        raise FetchError(
            f"{base_url} is not a feed ({problem or 'no feed elements'})", location=base_url, reason=reason
        )
    entries = _usable(
        _entry(
            base_url,
            now,
            guid=raw.get("id"),
            link=raw.get("link"),
            title=raw.get("title"),
            html=_content_html(raw),
            # dict.get: FeedParserDict.get maps updated to published with a DeprecationWarning
            published=_struct_to_datetime(
                dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")
            ),
        )
        for raw in parsed.entries
    )
    warning = f"{type(problem).__name__}: {problem}" if problem else None
    if problem and not entries and parsed.entries:
        raise FetchError(
            f"{base_url}: the feed is broken ({warning})", location=base_url, reason=FailureReason.PARSE_ERROR
        )
    if warning:
        LOGGER.info("feed %s parsed with a warning: %s", base_url, warning)
    return ParsedFeed(parsed.get("version") or "unknown", entries, warning)


def _usable(entries: Iterable[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Entries that carry something: a title, a link or some text."""
    return tuple(e for e in entries if e.text.title or e.link or e.unsafe_link or e.text.text)


def _looks_like_html(parsed: Any) -> bool:
    return "html" in str(parsed.get("headers", {}).get("content-type", "")).lower() or bool(
        parsed.get("feed", {}).get("html")
    )


def _content_html(raw: Any) -> str:
    for item in raw.get("content") or ():
        if item.get("value"):
            return str(item["value"])
    return str(raw.get("summary") or "")


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _parse_json_feed(content: bytes, base_url: str, now: datetime) -> ParsedFeed:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise FetchError(
            f"{base_url}: not valid JSON: {exc}", location=base_url, reason=FailureReason.PARSE_ERROR
        ) from exc
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise FetchError(
            f"{base_url} is JSON but not a JSON Feed", location=base_url, reason=FailureReason.NOT_A_FEED
        )
    items: list[Any] = data["items"] if isinstance(data.get("items"), list) else []
    entries = tuple(
        _entry(
            base_url,
            now,
            guid=_text(item.get("id")),
            link=_text(item.get("url") or item.get("external_url")),
            title=_text(item.get("title")),
            html=_text(item.get("content_html"))
            or _escape_plain(_text(item.get("content_text") or item.get("summary"))),
            published=parse_iso_date(_text(item.get("date_published") or item.get("date_modified"))),
        )
        for item in items
        if isinstance(item, dict)
    )
    return ParsedFeed("json" + str(data.get("version", "")).rsplit("/", 1)[-1], entries)


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and str(value).strip() else None


def _escape_plain(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;")


def _entry(
    base_url: str,
    now: datetime,
    *,
    guid: str | None,
    link: str | None,
    title: str | None,
    html: str,
    published: datetime | None,
) -> FeedEntry:
    safe, unsafe = safe_link(link, base_url)
    title = " ".join(title.split()) if title else None
    text = html_to_text(html)
    guid = guid.strip() if guid and guid.strip() else None
    published, note = plausible_date(published, now)
    key = f"guid:{guid}" if guid else f"link:{safe}" if safe else f"hash:{_digest(title or '', text[:500])}"
    identity = f"guid:{guid}" if guid else f"entry:{_digest(title or '', safe or unsafe or text[:500])}"
    return FeedEntry(
        key=key,
        signature=_digest(title or "", safe or ""),
        identity=identity,
        link=safe,
        unsafe_link=unsafe,
        text=FeedEntryText(title=title or None, text=text, published=published, date_note=note),
    )


def safe_link(link: str | None, base_url: str) -> tuple[str | None, str | None]:
    """``(absolute http(s) link, None)``, or ``(None, the refused link)`` for any other scheme."""
    if not link or not link.strip():
        return None, None
    absolute = urljoin(base_url, link.strip())
    parts = urlsplit(absolute)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return absolute, None
    return None, link.strip()


def plausible_date(moment: datetime | None, now: datetime) -> tuple[datetime | None, str | None]:
    """The date when believable, else None with why (missing_date, future_date, ancient_date)."""
    if moment is None:
        return None, "missing_date"
    if moment > now + FUTURE_SLACK:
        return None, "future_date"
    if moment < EARLIEST_PLAUSIBLE:
        return None, "ancient_date"
    return moment, None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8", "replace")).hexdigest()[:32]


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, paragraphs kept apart, whitespace folded."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    paragraphs = (" ".join(block.split()) for block in "".join(collector.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
