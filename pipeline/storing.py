"""Storing step: deduplicate, assign a story, store, match topics and enqueue alerts, with the cursor.

Everything a source read produced is committed in one transaction, together with the source's
new cursor (never before them): a crash or a storage error leaves nothing half-stored and the
next run reads the same items again.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.redaction import redact
from core.records import ExtractedArticle, SourceFailure, SourceRead, TopicHit
from core.settings import StorySettings
from pipeline.alerting import record_topic_hit
from pipeline.outcomes import NewArticle, SourceOutcome
from storage import articles, catalog, revisions
from storage.engine import transaction
from storage.models import Article, Source, Story, id_of
from topics.clustering import StoryIndex, StoryReport, story_report
from topics.matcher import TopicMatcher


def store_read(
    engine: Engine,
    read: SourceRead,
    extracted: list[ExtractedArticle],
    extraction_failures: list[SourceFailure],
    matcher: TopicMatcher,
    stories: StorySettings,
    now: datetime,
) -> SourceOutcome:
    """Store a source's articles, matches, alerts and cursor in one transaction."""
    failed = {failure.location for failure in (*read.failures, *extraction_failures)}
    failures = [_masked(failure) for failure in (*read.failures, *extraction_failures)]
    outcome = SourceOutcome(read.source, unchanged=read.unchanged, failures=failures)
    with transaction(engine) as session:
        source = session.exec(select(Source).where(Source.name == read.source)).one()
        with _story_index(engine, session, now, stories) as story_index:
            for article in extracted:
                _store_article(session, source, article, story_index, matcher, outcome, now)
        cursor = {location: mark for location, mark in read.cursor.items() if location not in failed}
        catalog.record_item_failures(session=session, source_id=id_of(source), failures=failures, now=now)
        catalog.resolve_item_failures(
            session=session,
            source_id=id_of(source),
            locations=[redact(a.location) for a in extracted],
            now=now,
        )
        catalog.record_source_success(
            session=session, source=source, now=now, cursor=cursor, failed_items=len(failures)
        )
    return outcome


def _masked(failure: SourceFailure) -> SourceFailure:
    """The failure as it is recorded and reported: credentials in its URL and message masked."""
    return dataclasses.replace(failure, location=redact(failure.location), message=redact(failure.message))


def store_quiet_reads(engine: Engine, reads: Sequence[tuple[SourceRead, datetime]]) -> list[SourceOutcome]:
    """Record reads that brought nothing new and nothing failed (a 304, an unchanged body): each
    source's cursor and health, all in one transaction, since no article rides with them."""
    assert all(not read.documents and not read.failures for read, _ in reads)
    with transaction(engine) as session:
        catalog.record_source_successes(
            session=session, reads=[(read.source, now, read.cursor) for read, now in reads]
        )
    return [SourceOutcome(read.source, unchanged=read.unchanged) for read, _ in reads]


@dataclass(slots=True)
class _CachedIndex:
    """A database's story index between batches, and the lock of the one batch that uses it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    index: StoryIndex | None = None


_INDEXES: dict[str, _CachedIndex] = {}
_INDEXES_LOCK = threading.Lock()  # guards the dictionary only, never a batch


def index_key(engine: Engine) -> str:
    """Which database an index belongs to: its URL without the password (no secret in the cache)."""
    return engine.url.render_as_string(hide_password=True)


def _cached_index(engine: Engine) -> _CachedIndex:
    with _INDEXES_LOCK:
        return _INDEXES.setdefault(index_key(engine), _CachedIndex())


@contextmanager
def _story_index(
    engine: Engine, session: Session, now: datetime, settings: StorySettings
) -> Iterator[StoryIndex]:
    """The process's story index for this database, brought up to date; one batch at a time.

    The index lives in memory between batches, so a batch loads only the reports stored since
    the last one (by any process), not every recent vector. Batches on one database take turns
    with it (its own lock; other databases are not held up); it is dropped when the batch fails,
    since it may then hold reports that were rolled back.
    """
    cached = _cached_index(engine)
    with cached.lock:
        index, cached.index = cached.index, None
        if index is None or articles.newest_article_id(session=session) < index.last_article_id:
            index = StoryIndex.of_settings(settings)
        active_since = now - index.window.silence
        for stored in articles.recent_reports(
            session=session, active_since=active_since, after_id=index.last_article_id
        ):
            index.add(stored.article_id, stored.story_id, report_of_stored(stored), stored.first_seen_at)
        index.evict(now)
        yield index
        cached.index = index


def report_of_stored(stored: articles.StoredReport) -> StoryReport:
    """A stored article as the story index saw it when it was stored."""
    return StoryReport(stored.terms, stored.minhash, stored.published)


def article_identity(article: ExtractedArticle) -> str:
    """The canonical URL when known, else the source's identity (feed GUID, hash of title and link,
    page URL), else the hash of the normalised text."""
    return article.canonical_url or article.identity or f"sha256:{article.content_hash}"


def _store_article(
    session: Session,
    source: Source,
    extracted: ExtractedArticle,
    story_index: StoryIndex,
    matcher: TopicMatcher,
    outcome: SourceOutcome,
    now: datetime,
) -> None:
    identity = article_identity(extracted)
    duplicate = articles.find_duplicate(
        session=session, identity=identity, content_hash=extracted.content_hash
    )
    if duplicate is not None:
        revised = (  # a watched page changed: a new revision of the same article
            extracted.revisable
            and duplicate.identity == identity
            and revisions.add_revision(session=session, article=duplicate, extracted=extracted, now=now)
        )
        if revised:
            _match_revision(session, source, duplicate, extracted, matcher, outcome, now)
        articles.add_alias(session=session, article=duplicate, location=extracted.location, now=now)
        outcome.duplicates += 1
        return
    report = story_report(extracted.title, extracted.text, extracted.published)
    assignment = story_index.assign(report)
    story = _story_for(session, assignment.story_id, extracted, now)
    article = articles.add_article(
        session=session,
        extracted=extracted,
        identity=identity,
        source_id=id_of(source),
        story=story,
        terms=dict(report.terms),
        now=now,
        minhash=report.signature,
        near_duplicate_of=assignment.near_duplicate_of,
    )
    story_id = id_of(story)
    story_index.add(id_of(article), story_id, report, now)
    if assignment.near_duplicate_of is not None:
        outcome.near_duplicates += 1
    hits = _topic_hits(matcher, extracted, source)
    for hit in hits:
        outcome.alerts_enqueued += record_topic_hit(session, article, story_id, hit, now)
    outcome.new.append(_new_article(article, story_id, tuple(hit.topic for hit in hits)))


def _match_revision(
    session: Session,
    source: Source,
    article: Article,
    revision: ExtractedArticle,
    matcher: TopicMatcher,
    outcome: SourceOutcome,
    now: datetime,
) -> None:
    """Match a watched page's new revision: a topic it matches for the first time records its match
    and alerts as the topic's mode says (once per story for per-story topics); topics the article
    matched before are not told again."""
    matched = articles.matched_topic_names(session=session, article_id=id_of(article))
    hits = [hit for hit in _topic_hits(matcher, revision, source) if hit.topic not in matched]
    story_id = article.story_id
    assert story_id is not None  # a stored article always belongs to a story
    for hit in hits:
        outcome.alerts_enqueued += record_topic_hit(session, article, story_id, hit, now)
    if hits:
        outcome.revised.append(_new_article(article, story_id, tuple(hit.topic for hit in hits)))


def _topic_hits(matcher: TopicMatcher, extracted: ExtractedArticle, source: Source) -> list[TopicHit]:
    return matcher.match(
        title=extracted.title,
        text=extracted.text,
        source=extracted.site_name or source.name,
        lang=extracted.language,
        embedding=extracted.embedding,
    )


def _new_article(article: Article, story_id: int, topics: tuple[str, ...]) -> NewArticle:
    return NewArticle(
        article.title, article.location, article.site_name, article.published_at, story_id, topics
    )


def _story_for(session: Session, story_id: int | None, extracted: ExtractedArticle, now: datetime) -> Story:
    if story_id is not None:
        return session.get_one(Story, story_id)
    title = extracted.title or "(untitled)"
    return articles.create_story(session=session, title=title, title_derived=extracted.title_derived, now=now)
