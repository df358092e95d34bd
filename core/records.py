"""Frozen records passed between the stages of the pipeline.

sources/ yields ``Document`` and ``SourceFailure``; extractors/ turns a ``Document`` into an
``ExtractedArticle``; topics/ yields ``TopicHit`` for an article; alerts/ renders an
``AlertMessage``. No stage below flows/ sees a database session or a table class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Document:
    """Raw bytes read from a source, before extraction."""

    source: str
    location: str  # absolute path or URL
    content: bytes
    media_type: str  # "text/plain" or "text/html"
    retrieved_at: datetime  # UTC-aware


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """One item of a source that could not be read or extracted, with the reason why."""

    source: str
    location: str
    reason: str  # machine-readable: file_empty, binary_content, file_unreadable, ...
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


@dataclass(frozen=True, slots=True)
class TermHit:
    """Where one query term was found: the term as written, the field, the token offset."""

    term: str
    field: str
    position: int


@dataclass(frozen=True, slots=True)
class TopicHit:
    """An article matched a topic; ``hits`` say why."""

    topic: str
    hits: tuple[TermHit, ...]

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


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """Everything a channel needs to deliver one alert, already read from storage."""

    alert_id: int
    topic: str
    channel: str
    kind: str  # "story"
    story_id: int
    story_title: str
    matched_terms: tuple[str, ...]
    articles: tuple[StoryArticle, ...] = field(default_factory=tuple)


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
