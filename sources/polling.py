"""What every web source shares: a conditional fetch against the source's cursor, and the
concurrent fetch of the article pages a source points at.

The cursor (``Source.state``) of a web source holds ``etag``, ``last_modified``, ``body_hash``
(a server whose ETag never changes while its body does is caught by the hash, and its ETag is
no longer trusted), ``seen`` (entry key → signature, bounded) and ``fetch`` (status, duration
and bytes of the last attempt). It is returned inside ``SourceRead`` and committed together
with the articles, never before them; nothing here writes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.errors import FetchError
from core.reasons import FailureReason
from core.records import Document, FeedEntryText, SourceFailure, SourceRead
from core.watchlist import WebSource
from sources.fetcher import FetchedResponse, Fetcher

LOGGER = logging.getLogger(__name__)
MAX_SEEN = 5000
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class Polled:
    """The outcome of a conditional fetch: the response, or None when nothing changed."""

    response: FetchedResponse | None
    cursor: dict[str, Any]  # validators and fetch record, to merge into the next cursor


async def fetch_if_changed(
    fetcher: Fetcher, spec: WebSource, url: str, cursor: Mapping[str, Any], *, accept: str
) -> Polled:
    """The body at ``url`` unless the server says 304 or the body hash is the one already seen."""
    trusted_etag = None if cursor.get("etag_broken") else cursor.get("etag")
    response = await fetcher.fetch(
        url,
        etag=trusted_etag,
        last_modified=cursor.get("last_modified"),
        accept=accept,
        obey_robots=spec.robots == "obey",
    )
    record = {
        "status": response.status,
        "duration_s": round(response.elapsed_s, 3),
        "bytes": response.received_bytes,
    }
    if response.not_modified:
        return Polled(None, {**_validators(cursor), "fetch": record})
    body_hash = hashlib.sha256(response.content).hexdigest()
    etag_broken = bool(cursor.get("etag_broken")) or (
        response.etag is not None
        and response.etag == cursor.get("etag")
        and body_hash != cursor.get("body_hash")
    )
    if etag_broken and not cursor.get("etag_broken"):
        LOGGER.warning("%s keeps ETag %s while its body changes: ETag no longer trusted", url, response.etag)
    validators = {
        "etag": response.etag,
        "last_modified": response.last_modified,
        "body_hash": body_hash,
        "etag_broken": etag_broken,
    }
    if body_hash == cursor.get("body_hash"):
        return Polled(None, {**validators, "fetch": {**record, "unchanged_body": True}})
    return Polled(response, {**validators, "fetch": record})


def _validators(cursor: Mapping[str, Any]) -> dict[str, Any]:
    return {key: cursor.get(key) for key in ("etag", "last_modified", "body_hash", "etag_broken")}


def bounded_seen(previous: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """The seen-set after this poll: everything seen now, then the most recent earlier keys, capped."""
    merged = {key: value for key, value in previous.items() if key not in current}
    merged.update(current)
    keys = list(merged)[-MAX_SEEN:]
    return {key: merged[key] for key in keys}


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """An article a source points at: its page, its identity fallback and what the source said about it."""

    key: str
    url: str | None  # None when the source gave no fetchable link (then ``entry`` must carry the text)
    identity: str
    entry: FeedEntryText | None = None


async def fetch_articles(
    fetcher: Fetcher, spec: WebSource, links: Iterable[ArticleLink], *, fetch_pages: bool = True
) -> tuple[list[Document], list[SourceFailure], set[str]]:
    """Documents for ``links`` fetched concurrently (per-host limits apply), failures, and the keys done.

    A page that cannot be fetched still yields a Document when its feed entry has text: the
    extraction step then uses the entry's own content and marks the article as such.
    """
    results = await asyncio.gather(*(_one_article(fetcher, spec, link, fetch_pages) for link in links))
    documents = [doc for doc, _, _ in results if doc is not None]
    failures = [failure for _, failure, _ in results if failure is not None]
    done = {key for _, failure, key in results if key is not None}
    return documents, failures, done


async def _one_article(
    fetcher: Fetcher, spec: WebSource, link: ArticleLink, fetch_pages: bool
) -> tuple[Document | None, SourceFailure | None, str | None]:
    now = datetime.now(UTC)
    entry_only = Document(
        spec.name, link.url or link.identity, b"", "text/html", now, link.url, link.identity, link.entry
    )
    if link.url is None or not fetch_pages:
        if link.entry is not None and link.entry.text:
            return entry_only, None, link.key
        return (
            None,
            SourceFailure(
                spec.name, link.identity, FailureReason.NO_LINK, "the entry has neither a link nor text"
            ),
            link.key,
        )
    try:
        page = await fetcher.fetch(link.url, accept=HTML_ACCEPT, obey_robots=spec.robots == "obey")
    except FetchError as exc:
        LOGGER.info("article page %s: %s (%s)", link.url, exc, exc.reason)
        if link.entry is not None and link.entry.text:
            return entry_only, None, link.key
        failure = SourceFailure(spec.name, link.url, exc.reason, str(exc))
        return None, failure, (None if exc.transient else link.key)  # a transient one: the next poll
    media_type = page.content_type or "text/html"
    if not media_type.lower().startswith(HTML_TYPES) and link.entry is not None and link.entry.text:
        return entry_only, None, link.key
    document = Document(
        spec.name, page.final_url, page.content, media_type, now, link.url, link.identity, link.entry
    )
    return document, None, link.key


def source_read(
    spec: WebSource,
    documents: list[Document],
    failures: list[SourceFailure],
    cursor: dict[str, Any],
    unchanged: int = 0,
) -> SourceRead:
    """The SourceRead the storing step expects."""
    return SourceRead(spec.name, tuple(documents), tuple(failures), cursor, unchanged)
