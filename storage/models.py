"""The tables of newswatch. Only storage/ sees these classes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime


def utcnow() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


def _time(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime(), index=index, nullable=nullable)


class Source(SQLModel, table=True):
    """A place articles come from, with its fetch state and health."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str  # directory | file
    location: str
    every_seconds: float = 600.0
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_attempt_at: datetime | None = _time()
    last_success_at: datetime | None = _time()
    last_status: str | None = None  # ok | partial | failed
    last_error: str | None = Field(default=None, sa_type=Text)
    consecutive_failures: int = 0
    next_poll_at: datetime | None = _time()
    last_error_class: str | None = None  # the failure's reason: timeout, not_found, egress_denied, ...
    last_http_status: int | None = None
    last_duration_s: float | None = None  # of the last fetch (web sources)
    last_bytes: int | None = None  # decoded body bytes of the last fetch (web sources)
    lease_owner: str | None = None  # the run polling this source now
    lease_until: datetime | None = _time()


class IngestFailure(SQLModel, table=True):
    """An item of a source that could not be read or extracted; resolved when it later succeeds."""

    __tablename__ = "ingest_failure"
    __table_args__ = (UniqueConstraint("source_id", "location"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    location: str
    reason: str
    message: str = Field(sa_type=Text)
    attempts: int = 1
    first_seen_at: datetime = _time(nullable=False)
    last_seen_at: datetime = _time(nullable=False)
    resolved_at: datetime | None = _time()


class Story(SQLModel, table=True):
    """One event as reported by one or more outlets."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    title_derived: bool = False  # replaced by the first real headline that joins the story
    article_count: int = 0
    first_seen_at: datetime = _time(index=True, nullable=False)
    last_seen_at: datetime = _time(index=True, nullable=False)
    earliest_published: datetime | None = _time()
    latest_published: datetime | None = _time()


class Article(SQLModel, table=True):
    """One report, stored once; exact duplicates become aliases."""

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(unique=True, index=True)
    content_hash: str = Field(unique=True, index=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    story_id: int | None = Field(default=None, foreign_key="story.id", index=True)
    location: str
    canonical_url: str | None = None
    title: str
    title_derived: bool = False
    text: str = Field(sa_type=Text)
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    published_at: datetime | None = _time(index=True)
    published_source: str | None = None
    modified_at: datetime | None = _time()
    language: str | None = None
    site_name: str | None = None
    word_count: int = 0
    # The rest of the page's metadata (revision 0009).
    modified_source: str | None = None
    section: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    image_url: str | None = None
    terms: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen_at: datetime = _time(index=True, nullable=False)
    text_source: str = "document"  # "feed" when the feed entry's content stood in for the page
    # Story clustering (revision 0004): lead names, MinHash signature, the report this one copies.
    entities: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    minhash: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    near_duplicate_of: int | None = Field(default=None, foreign_key="article.id")
    # Names, figures, years and headline words that tell look-alike events apart (revision 0008).
    marks: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # The sentence embedding of its headline and lead, int8 (topics.semantic; revision 0010);
    # None when no topic was described in words when it was stored.
    embedding: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class ArticleRevision(SQLModel, table=True):
    """An earlier or later version of a watched page's article (an updated live blog)."""

    __tablename__ = "article_revision"
    __table_args__ = (UniqueConstraint("article_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    revision: int  # 1 is the first version stored
    content_hash: str
    title: str
    text: str = Field(sa_type=Text)
    fetched_at: datetime = _time(nullable=False)


class ArticleAlias(SQLModel, table=True):
    """Another location that delivered the same article (an exact duplicate)."""

    __tablename__ = "article_alias"
    __table_args__ = (UniqueConstraint("article_id", "location"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    location: str
    first_seen_at: datetime = _time(nullable=False)


class Topic(SQLModel, table=True):
    """A tracked subject, mirrored from the watchlist."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    query: str = Field(sa_type=Text)
    mode: str = "per-story"
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TopicMatch(SQLModel, table=True):
    """An article matched a topic; ``hits`` say which terms, in which field, where."""

    __tablename__ = "topic_match"
    __table_args__ = (UniqueConstraint("topic_id", "article_id"),)

    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    hits: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _time(nullable=False)


class Alert(SQLModel, table=True):
    """The outbox: one row per (topic, story, article key, channel, kind), written with the match.

    ``article_key`` is the article's id for ``per-article`` alerts and 0 for story-level kinds
    (``story``, ``burst``): a NULL would never conflict in a UNIQUE constraint, so overlapping
    runs could enqueue a story alert twice. ``digest_at`` is the digest slot an alert is held
    for (digest mode, quiet hours); alerts of one channel and slot are sent as one message.
    ``recipients`` maps each e-mail recipient to ``sent``, ``retry`` or ``dead: <reply>``.
    A story ``update`` (the story reached more outlets after its alert was sent) keys on the
    outlet threshold it crossed, in ``article_key``.
    """

    __table_args__ = (
        UniqueConstraint("topic_id", "story_id", "article_key", "channel", "kind", name="uq_alert_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    article_id: int = Field(foreign_key="article.id")
    article_key: int = 0
    channel: str
    kind: str = "story"  # story | article | burst | update
    digest_at: datetime | None = _time(index=True)
    recipients: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", index=True)  # pending|sending|sent|retry|dead
    attempts: int = 0
    next_attempt_at: datetime = _time(index=True, nullable=False)
    lease_until: datetime | None = _time()
    maybe_sent: bool = False
    last_error: str | None = Field(default=None, sa_type=Text)
    provider_ref: str | None = None
    created_at: datetime = _time(nullable=False)
    sent_at: datetime | None = _time()
    outlets_shown: int | None = None  # how many outlets the sent message named (story updates count on)


class RateSlot(SQLModel, table=True):
    """When a rate-limited destination (a webhook) may next be sent to, shared by every process.

    ``key`` is a hash of the destination, never the destination itself: a webhook URL is a secret.
    """

    __tablename__ = "rate_slot"

    key: str = Field(primary_key=True)
    next_at: datetime = _time(nullable=False)


def id_of(row: SQLModel) -> int:
    """The primary key of a stored row; flush first (rows get their id on flush)."""
    value = getattr(row, "id", None)
    if value is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return int(value)
