"""Frozen records passed between the stages of the pipeline.

sources/ yields ``Document`` and ``SourceFailure``; extractors/ turns a ``Document`` into an
``ExtractedArticle``; topics/ yields ``TopicHit`` for an article; storage/ reads a
``ClaimedAlert`` from the outbox and alerts/ renders it as an ``AlertMessage``. No stage sees
a database session or a table class but storage/ itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from core.reasons import FailureReason
from core.urls import without_tracking


@dataclass(frozen=True, slots=True)
class Document:
    """Raw bytes read from a source, before extraction."""

    source: str
    location: str  # absolute path or URL
    content: bytes
    media_type: str  # "text/plain" or "text/html" (may carry "; charset=...")
    retrieved_at: datetime  # UTC-aware
    url: str | None = None  # web documents: the URL asked for (location is the final URL)
    identity: str | None = None  # fallback identity when the page has no canonical URL
    entry: FeedEntryText | None = None  # the feed entry that led here: used when the page yields nothing
    revisable: bool = False  # a watched page: a changed body is a new revision of the same article


@dataclass(frozen=True, slots=True)
class FeedEntryText:
    """What a feed (or a news sitemap) said about an article, kept in case its page cannot be used."""

    title: str | None
    text: str  # plain text of the entry's content or summary ("" when it has none)
    published: datetime | None  # UTC-aware; None when missing or implausible (see ``date_note``)
    date_note: str | None = None  # missing_date, future_date, ancient_date


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """One item of a source that could not be read or extracted, with the reason why."""

    source: str
    location: str
    reason: FailureReason  # machine-readable: file_empty, binary_content, file_unreadable, ...
    message: str


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """Main text and normalised metadata of one report."""

    location: str
    title: str | None
    title_derived: bool
    text: str
    authors: tuple[str, ...] = ()
    published: datetime | None = None  # always UTC-aware
    published_source: str | None = None  # provenance: header, json-ld, meta, url, feed, ...
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    word_count: int = 0
    content_hash: str = ""  # sha256 of the normalised text
    modified_source: str | None = None  # provenance of ``modified``, as for ``published``
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None  # the lead image
    identity: str | None = None  # set for web articles without a canonical URL: feed GUID or hash
    text_source: str = "document"  # "feed" when the feed entry's own content stood in for the page
    revisable: bool = False  # from a watched page: a changed text is a new revision, not a new article
    published_day: date | None = None  # the day of ``published`` in the page's own time zone
    embedding: bytes | None = None  # int8 sentence embedding (topics.semantic), when semantic topics exist


# What an article says about itself, by name: an extractor copies these from the page's metadata
# into its ExtractedArticle, and storage copies them from there into the stored article.
ARTICLE_METADATA = (
    "title",
    "authors",
    "published",
    "published_source",
    "modified",
    "modified_source",
    "language",
    "site_name",
    "canonical_url",
    "section",
    "tags",
    "image_url",
)


def article_metadata(source: object, **changes: Any) -> dict[str, Any]:
    """The ``ARTICLE_METADATA`` fields of ``source`` (a page's metadata, an ExtractedArticle) by
    name, with ``changes`` made."""
    return {name: getattr(source, name) for name in ARTICLE_METADATA} | changes


@dataclass(frozen=True, slots=True)
class TermHit:
    """Where one query term was first found: the term as the query writes it, the field, the
    token offset, and the words as the article writes them there with their character offset."""

    term: str
    field: str
    position: int
    found: str = dataclass_field(default="", compare=False)  # where, not which: equal hits compare equal
    offset: int | None = dataclass_field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SimilarityHit:
    """Why an article matched a topic described in words: the closest description or example
    headline (``like:``) and the cosine of the article's embedding with it."""

    like: str
    score: float

    @property
    def reason(self) -> str:
        """The match as alerts and ``topics test`` show it: ``like "…" 0.62``."""
        return f'like "{self.like}" {self.score:.2f}'


@dataclass(frozen=True, slots=True)
class TopicHit:
    """An article matched a topic; ``hits`` (query terms) and ``similar`` (``like:``) say why."""

    topic: str
    hits: tuple[TermHit, ...]
    similar: SimilarityHit | None = None

    @property
    def terms(self) -> tuple[str, ...]:
        """The distinct query terms that were found, in query order of first hit."""
        return tuple(dict.fromkeys(hit.term for hit in self.hits))


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """One report of a story, as an alert shows it."""

    title: str
    location: str
    site_name: str | None
    published: datetime | None
    first_seen: datetime | None = None  # when newswatch stored it (UTC)
    link: str | None = None  # http(s) URL to open, when the report has one
    snippet: str = ""  # plain text around the first matched term (the channel bolds the terms)
    matched: tuple[str, ...] = ()  # the matched words as this report writes them, in query order

    @property
    def outlet(self) -> str:
        """Who published it: the site name, else the web address's host, else where it was read."""
        return self.publisher or self.location

    @property
    def publisher(self) -> str | None:
        """The outlet an alert names: the site name, else the web address's host; None for a file."""
        if self.site_name:
            return self.site_name
        host = urlsplit(self.link).hostname if self.link else None
        return host.removeprefix("www.") if host else None


def web_link(canonical_url: str | None, location: str) -> str | None:
    """The http(s) address of a report, without tracking parameters: its canonical URL, else its
    location when that is one."""
    url = canonical_url or (location if location.startswith(("http://", "https://")) else None)
    return without_tracking(url) if url else None


def count_outlets(articles: Iterable[StoryArticle]) -> int:
    """How many distinct outlets reported these articles (the number alerts and updates use)."""
    return len({article.outlet for article in articles})


@dataclass(frozen=True, slots=True)
class AlertHeader:
    """Which alert: its id, its topic and channel, its kind, and the story it is about."""

    alert_id: int
    topic: str
    channel: str
    kind: str
    story_id: int
    story_title: str


@dataclass(frozen=True, slots=True)
class AlertMessage(AlertHeader):
    """Everything a channel needs to deliver one alert, already read from storage.

    ``kind`` is ``story`` (per-story and held alerts), ``article`` (per-article: ``articles``
    holds that report first), ``burst`` (a story reached N outlets), ``update`` (a story grew
    after its alert was sent: ``follows`` is that alert, ``shown_outlets`` and ``shown_at`` what
    the last message said and when) or ``digest`` (``items`` holds the grouped alerts).
    ``maybe_sent`` says an earlier attempt may have been delivered; ``done_recipients`` are
    e-mail recipients that already accepted this alert.
    """

    matched_terms: tuple[str, ...]
    articles: tuple[StoryArticle, ...] = field(default_factory=tuple)
    items: tuple[AlertMessage, ...] = field(default_factory=tuple)
    maybe_sent: bool = False
    done_recipients: tuple[str, ...] = field(default_factory=tuple)
    follows: int | None = None
    shown_outlets: int | None = None
    shown_at: datetime | None = None

    @property
    def outlets(self) -> int:
        """Distinct outlets that reported the story."""
        return count_outlets(self.articles)

    @property
    def new_articles(self) -> tuple[StoryArticle, ...]:
        """An update's reports stored after the previous message went out (all, for other kinds)."""
        shown_at = self.shown_at
        if shown_at is None:
            return self.articles
        return tuple(a for a in self.articles if a.first_seen is None or a.first_seen > shown_at)

    @property
    def since(self) -> datetime | None:
        """When the story was first reported: the earliest published or stored time known."""
        times = [t for article in self.articles for t in (article.published, article.first_seen) if t]
        return min(times) if times else None


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """One report of a claimed alert's story as storage reads it, with the text its snippet comes from."""

    article_id: int
    title: str
    location: str
    site_name: str | None
    published: datetime | None
    first_seen: datetime | None
    canonical_url: str | None
    text: str
    hits: tuple[TermHit, ...] = ()  # why this report matched the topic; () when it did not


@dataclass(frozen=True, slots=True)
class ClaimedAlert(AlertHeader):
    """A claimed alert and everything its message is made of, as the outbox holds it.

    ``reports`` are the story's reports, oldest first; ``matched_terms`` the terms of every match
    of the topic in the story, in the order they were found. A story update also carries what
    the channel was told before (``follows``, ``shown_outlets``, ``shown_at``). alerts/ turns it
    into an ``AlertMessage``.
    """

    article_id: int
    attempts: int
    digest_at: datetime | None
    maybe_sent: bool
    done_recipients: tuple[str, ...]
    matched_terms: tuple[str, ...]
    reports: tuple[OutboxReport, ...]
    follows: int | None = None
    shown_outlets: int | None = None
    shown_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceRead:
    """What one read of a source produced: new documents, failed items, and the next cursor.

    ``cursor`` is committed together with the articles (never before), so a crash or a failed
    store makes the next run read the same items again.
    """

    source: str
    documents: tuple[Document, ...]
    failures: tuple[SourceFailure, ...]
    cursor: dict[str, object]
    unchanged: int = 0  # items skipped because the cursor says they were already stored
