"""The pipeline as plain functions: read a source, extract, store, cluster, match, enqueue, deliver.

This module composes sources/, extractors/, topics/, alerts/ and storage/ without Prefect, so
each step is tested on its own; flows/ingest.py only wraps these functions in tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import AlertChannel
from alerts.policy import after_failure
from core.errors import (
    AlertDeliveryError,
    ConfigurationError,
    ExtractionError,
    PipelineError,
    QuerySyntaxError,
)
from core.records import Document, ExtractedArticle, SourceFailure, SourceRead, TopicHit
from core.settings import AlertSettings, StorySettings
from core.watchlist import SourceSpec, Watchlist, parse_duration
from extractors import extract_document
from sources.files import read_files
from storage import articles, catalog, outbox
from storage.engine import transaction
from storage.models import Article, Source, Story, Topic, id_of, utcnow
from topics.matcher import TopicMatcher, compile_topics
from topics.stories import best_story, story_terms

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewArticle:
    """A report stored by this run, as the summary and the artifacts show it."""

    title: str
    location: str
    site_name: str | None
    published: datetime | None
    story_id: int
    topics: tuple[str, ...]


@dataclass(slots=True)
class SourceOutcome:
    """What ingesting one source did."""

    source: str
    new: list[NewArticle] = field(default_factory=list)
    duplicates: int = 0
    unchanged: int = 0
    failures: list[SourceFailure] = field(default_factory=list)
    alerts_enqueued: int = 0
    error: str | None = None  # the whole source failed

    @property
    def matches(self) -> int:
        """How many (article, topic) matches this source produced."""
        return sum(len(article.topics) for article in self.new)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    requeued: int = 0


def compile_watchlist_topics(watchlist: Watchlist) -> TopicMatcher:
    """All topics compiled once; a bad query is reported with the watchlist's file and line."""
    for topic in watchlist.topics:
        try:
            compile_topics([(topic.name, topic.query)])
        except QuerySyntaxError as exc:
            raise ConfigurationError(f"{watchlist.where(topic.name)}: topic {topic.name!r}: {exc}") from exc
    return compile_topics((topic.name, topic.query) for topic in watchlist.topics)


def sync_watchlist(engine: Engine, watchlist: Watchlist) -> None:
    """Mirror the watchlist's sources and topics into storage (cursors and health are kept)."""
    with transaction(engine) as session:
        for source in watchlist.sources:
            catalog.upsert_source(
                session=session,
                name=source.name,
                kind=source.kind,
                location=str(source.location),
                every_seconds=parse_duration(source.every),
            )
        for topic in watchlist.topics:
            catalog.upsert_topic(
                session=session,
                name=topic.name,
                query=topic.query,
                mode=topic.alert.mode,
                channels=topic.alert.channels,
            )


def ingest_source(
    engine: Engine, spec: SourceSpec, watchlist: Watchlist, stories: StorySettings
) -> SourceOutcome:
    """Read one source, extract its documents and store them; never raises for a bad source."""
    now = utcnow()
    try:
        with Session(engine) as session:
            cursor = session.exec(select(Source.state).where(Source.name == spec.name)).one()
        read = read_files(spec.name, spec.location, dict(cursor))
        extracted, failures = extract_all(read.documents)
        return store_read(engine, read, extracted, failures, watchlist, stories, now)
    except PipelineError as exc:
        LOGGER.warning("source %s failed: %s (%s)", spec.name, exc, exc.reason)
        with transaction(engine) as session:
            source = session.exec(select(Source).where(Source.name == spec.name)).one()
            catalog.record_source_failure(
                session=session, source=source, now=now, error=f"{exc.reason}: {exc}"
            )
        return SourceOutcome(spec.name, error=f"{exc.reason}: {exc}")


def extract_all(documents: Iterable[Document]) -> tuple[list[ExtractedArticle], list[SourceFailure]]:
    """Articles from documents; documents with no article text or broken content become failures."""
    extracted: list[ExtractedArticle] = []
    failures: list[SourceFailure] = []
    for document in documents:
        try:
            article = extract_document(document)
        except ExtractionError as exc:
            failures.append(SourceFailure(document.source, document.location, exc.reason, str(exc)))
            continue
        if article is None:
            failures.append(
                SourceFailure(document.source, document.location, "no_main_text", "no article text found")
            )
        else:
            extracted.append(article)
    return extracted, failures


def store_read(
    engine: Engine,
    read: SourceRead,
    extracted: list[ExtractedArticle],
    extraction_failures: list[SourceFailure],
    watchlist: Watchlist,
    stories: StorySettings,
    now: datetime,
) -> SourceOutcome:
    """Store a source's articles, matches, alerts and cursor in one transaction."""
    failures = [*read.failures, *extraction_failures]
    failed = {failure.location for failure in failures}
    outcome = SourceOutcome(read.source, unchanged=read.unchanged, failures=failures)
    matcher = compile_topics((topic.name, topic.query) for topic in watchlist.topics)
    with transaction(engine) as session:
        source = session.exec(select(Source).where(Source.name == read.source)).one()
        story_index = _StoryIndex(session, now, stories)
        for article in extracted:
            _store_article(session, source, article, story_index, matcher, outcome, now)
        cursor = {location: mark for location, mark in read.cursor.items() if location not in failed}
        catalog.record_item_failures(session=session, source_id=id_of(source), failures=failures, now=now)
        catalog.resolve_item_failures(
            session=session,
            source_id=id_of(source),
            locations=[a.location for a in extracted],
            now=now,
        )
        catalog.record_source_success(
            session=session, source=source, now=now, cursor=cursor, failed_items=len(failures)
        )
    return outcome


class _StoryIndex:
    """Recent stories' article vectors and time spans: loaded once per batch, grown as articles are stored."""

    def __init__(self, session: Session, now: datetime, settings: StorySettings) -> None:
        self.window = timedelta(hours=settings.window_hours)
        self.min_similarity = settings.min_similarity
        self.candidates, self.spans = articles.recent_stories(session=session, active_since=now - self.window)

    def find(self, terms: dict[str, float], published: datetime | None) -> int | None:
        """The id of the story this article belongs to, or None for a new story."""
        admitted = {story_id for story_id, span in self.spans.items() if span.admits(published, self.window)}
        pool = ((c.story_id, c.terms) for c in self.candidates if c.story_id in admitted)
        return best_story(terms, pool, min_similarity=self.min_similarity)

    def add(self, story_id: int, terms: dict[str, float], published: datetime | None) -> None:
        """Make a newly stored article a candidate for the rest of the batch."""
        self.candidates.append(articles.StoryCandidate(story_id, terms))
        self.spans[story_id] = self.spans.get(story_id, articles.StorySpan()).including(published)


def article_identity(article: ExtractedArticle) -> str:
    """The canonical URL when known, else the hash of the normalised text."""
    return article.canonical_url or f"sha256:{article.content_hash}"


def _store_article(
    session: Session,
    source: Source,
    extracted: ExtractedArticle,
    story_index: _StoryIndex,
    matcher: TopicMatcher,
    outcome: SourceOutcome,
    now: datetime,
) -> None:
    identity = article_identity(extracted)
    duplicate = articles.find_duplicate(
        session=session, identity=identity, content_hash=extracted.content_hash
    )
    if duplicate is not None:
        articles.add_alias(session=session, article=duplicate, location=extracted.location, now=now)
        outcome.duplicates += 1
        return
    terms = story_terms(extracted.title, extracted.text)
    story = _story_for(session, story_index, terms, extracted, now)
    article = articles.add_article(
        session=session,
        extracted=extracted,
        identity=identity,
        source_id=id_of(source),
        story=story,
        terms=terms,
        now=now,
    )
    story_id = id_of(story)
    story_index.add(story_id, terms, extracted.published)
    hits = matcher.match(title=extracted.title, text=extracted.text)
    for hit in hits:
        outcome.alerts_enqueued += _record_topic_hit(session, article, story_id, hit, now)
    topics = tuple(hit.topic for hit in hits)
    outcome.new.append(
        NewArticle(article.title, article.location, article.site_name, article.published_at, story_id, topics)
    )


def _story_for(
    session: Session, index: _StoryIndex, terms: dict[str, float], extracted: ExtractedArticle, now: datetime
) -> Story:
    story_id = index.find(terms, extracted.published)
    if story_id is not None:
        return session.get_one(Story, story_id)
    title = extracted.title or "(untitled)"
    return articles.create_story(session=session, title=title, title_derived=extracted.title_derived, now=now)


def _record_topic_hit(session: Session, article: Article, story_id: int, hit: TopicHit, now: datetime) -> int:
    """Store the match and enqueue one alert per channel of the topic; returns alerts enqueued."""
    topic = session.exec(select(Topic).where(Topic.name == hit.topic)).one()
    topic_id = id_of(topic)
    articles.record_match(session=session, topic_id=topic_id, article=article, hit=hit, now=now)
    return sum(
        outbox.enqueue_alert(
            session=session,
            topic_id=topic_id,
            story_id=story_id,
            article_id=id_of(article),
            channel=channel,
            kind="story",
            now=now,
        )
        for channel in topic.channels
    )


def deliver_due_alerts(
    engine: Engine, channels: Mapping[str, AlertChannel], settings: AlertSettings
) -> DeliveryReport:
    """Claim due alerts, send each outside any transaction, then record the outcome."""
    now = utcnow()
    with transaction(engine) as session:
        requeued = outbox.release_expired_leases(session=session, now=now)
        claimed = outbox.claim_alerts(
            session=session,
            now=now,
            lease=timedelta(seconds=settings.lease_seconds),
            limit=settings.batch_size,
        )
    counts = {"sent": 0, "retry": 0, "dead": 0}
    for alert_id in claimed:
        counts[_deliver_one(engine, alert_id, channels, settings)] += 1
    return DeliveryReport(counts["sent"], counts["retry"], counts["dead"], requeued)


def _deliver_one(
    engine: Engine, alert_id: int, channels: Mapping[str, AlertChannel], settings: AlertSettings
) -> str:
    with Session(engine) as session:
        message, attempts = outbox.alert_message(session=session, alert_id=alert_id)
    channel = channels.get(message.channel)
    status, next_at, error, reference = "sent", None, None, None
    try:
        if channel is None:
            raise AlertDeliveryError(
                f"no channel named {message.channel!r} in the watchlist",
                channel=message.channel,
                transient=False,
                reason="unknown_channel",
            )
        reference = channel.send(message)
    except AlertDeliveryError as exc:
        result = after_failure(
            exc,
            attempts=attempts,
            now=utcnow(),
            max_attempts=settings.max_attempts,
            base_seconds=settings.backoff_base_seconds,
            max_seconds=settings.backoff_max_seconds,
        )
        status, next_at, error = result.status, result.next_attempt_at, result.error
        LOGGER.warning("alert %s on %s: %s -> %s", alert_id, message.channel, exc, status)
    with transaction(engine) as session:
        outbox.settle_alert(
            session=session,
            alert_id=alert_id,
            status=status,
            now=utcnow(),
            next_attempt_at=next_at,
            error=error,
            provider_ref=reference,
        )
    return status
