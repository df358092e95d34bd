"""Storing step: deduplicate, assign a story, store, match topics and enqueue alerts, with the cursor.

Everything a source read produced is committed in one transaction, together with the source's
new cursor (R5): a crash or a storage error leaves nothing half-stored and the next run reads
the same items again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.records import ExtractedArticle, SourceFailure, SourceRead
from core.settings import StorySettings
from core.watchlist import Watchlist
from flows.alerting import record_topic_hit
from flows.outcomes import NewArticle, SourceOutcome
from storage import articles, catalog, revisions
from storage.engine import transaction
from storage.models import Source, Story, id_of
from topics.matcher import TopicMatcher, compile_topics
from topics.stories import best_story, story_terms


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
    """The canonical URL when known, else the source's identity (feed GUID, hash of title and link,
    page URL), else the hash of the normalised text."""
    return article.canonical_url or article.identity or f"sha256:{article.content_hash}"


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
        if extracted.revisable and duplicate.identity == identity:  # a watched page changed (issue 3)
            revisions.add_revision(session=session, article=duplicate, extracted=extracted, now=now)
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
        outcome.alerts_enqueued += record_topic_hit(session, article, story_id, hit, now)
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
