"""Articles, their aliases, stories and topic matches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, or_, select

from core.records import ExtractedArticle, TopicHit, article_metadata
from storage.models import Article, ArticleAlias, Story, Topic, TopicMatch, id_of

_COLUMNS = {"published": "published_at", "modified": "modified_at"}  # the article's names otherwise


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A stored article as story clustering sees it (loaded into ``topics.clustering.StoryIndex``)."""

    article_id: int
    story_id: int
    terms: dict[str, float]
    entities: frozenset[str]
    minhash: tuple[int, ...]
    published: datetime | None
    first_seen_at: datetime
    marks: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StorySpan:
    """The published-time range of a story's dated reports (None when none is dated)."""

    earliest: datetime | None = None
    latest: datetime | None = None

    def admits(self, published: datetime | None, window: timedelta) -> bool:
        """Whether a report published at ``published`` may join: within ``window`` of the span.

        An undated report, or a story with no dated report, is not held back by dates; the
        caller has already limited candidates to stories active within the window.
        """
        if published is None or self.earliest is None or self.latest is None:
            return True
        return self.earliest - window <= published <= self.latest + window

    def including(self, published: datetime | None) -> StorySpan:
        """The span grown to include ``published``."""
        if published is None:
            return self
        return StorySpan(
            min(filter(None, [self.earliest, published])), max(filter(None, [self.latest, published]))
        )


def find_duplicate(*, session: Session, identity: str, content_hash: str) -> Article | None:
    """The stored article with the same identity or the same normalised text, if any."""
    query = select(Article).where(or_(Article.identity == identity, Article.content_hash == content_hash))
    return session.exec(query).first()


def add_alias(*, session: Session, article: Article, location: str, now: datetime) -> bool:
    """Remember another location of a stored article; False when it was already known."""
    if location == article.location:
        return False
    known = session.exec(
        select(ArticleAlias).where(ArticleAlias.article_id == article.id, ArticleAlias.location == location)
    ).first()
    if known is None:
        session.add(ArticleAlias(article_id=id_of(article), location=location, first_seen_at=now))
    return known is None


def recent_reports(*, session: Session, active_since: datetime, after_id: int = 0) -> list[StoredReport]:
    """Articles with id above ``after_id`` of every story that gained a report since ``active_since``.

    Ordered by id, so a caller can keep an index in memory and load only what is new since.
    """
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() for at most 4 columns
            Article.id,
            Article.story_id,
            Article.terms,
            Article.entities,
            Article.minhash,
            Article.published_at,
            Article.first_seen_at,
            Article.marks,
        )
        .join(Story, col(Story.id) == col(Article.story_id))
        .where(Story.last_seen_at >= active_since, col(Article.id) > after_id)
        .order_by(col(Article.id))
    ).all()
    return [
        StoredReport(
            article_id, story_id, dict(terms), frozenset(entities), tuple(signature), published, seen, marks
        )
        for article_id, story_id, terms, entities, signature, published, seen, marks in rows
        if article_id is not None and story_id is not None
    ]


def newest_article_id(*, session: Session) -> int:
    """The highest article id stored; 0 when there is none."""
    return int(session.exec(select(func.max(Article.id))).one() or 0)


def create_story(*, session: Session, title: str, title_derived: bool, now: datetime) -> Story:
    """A new, empty story named after its first report."""
    story = Story(title=title, title_derived=title_derived, first_seen_at=now, last_seen_at=now)
    session.add(story)
    session.flush()
    return story


def add_article(
    *,
    session: Session,
    extracted: ExtractedArticle,
    identity: str,
    source_id: int,
    story: Story,
    terms: dict[str, float],
    now: datetime,
    entities: Iterable[str] = (),
    minhash: Sequence[int] = (),
    near_duplicate_of: int | None = None,
    marks: dict[str, Any] | None = None,
) -> Article:
    """Store a new article in ``story`` and update the story's counts and time range."""
    article = Article(
        identity=identity,
        content_hash=extracted.content_hash,
        source_id=source_id,
        story_id=story.id,
        location=extracted.location,
        title_derived=extracted.title_derived,
        text=extracted.text,
        word_count=extracted.word_count,
        **_metadata_columns(extracted),
        terms=terms,
        first_seen_at=now,
        text_source=extracted.text_source,
        entities=sorted(entities),
        minhash=list(minhash),
        near_duplicate_of=near_duplicate_of,
        marks=marks or {},
        embedding=extracted.embedding,
    )
    session.add(article)
    _grow_story(story, extracted, now)
    session.add(story)
    session.flush()
    return article


def _metadata_columns(extracted: ExtractedArticle) -> dict[str, Any]:
    """The article's own metadata (``core.records.ARTICLE_METADATA``) as Article columns: dates
    in ``*_at`` columns, tuples as lists, "(untitled)" for no title."""
    columns = {
        _COLUMNS.get(name, name): list(value) if isinstance(value, tuple) else value
        for name, value in article_metadata(extracted).items()
    }
    return columns | {"title": extracted.title or "(untitled)"}


def _grow_story(story: Story, extracted: ExtractedArticle, now: datetime) -> None:
    story.article_count += 1
    story.last_seen_at = now
    if story.title_derived and extracted.title and not extracted.title_derived:
        story.title, story.title_derived = extracted.title, False
    span = StorySpan(story.earliest_published, story.latest_published).including(extracted.published)
    story.earliest_published, story.latest_published = span.earliest, span.latest


def record_match(
    *, session: Session, topic_id: int, article: Article, hit: TopicHit, now: datetime
) -> TopicMatch:
    """Store why ``article`` matched a topic."""
    hits: list[dict[str, Any]] = [
        {"term": h.term, "field": h.field, "position": h.position, "found": h.found, "offset": h.offset}
        for h in hit.hits
    ]
    if hit.similar is not None:  # the description it was closest to, and the score, as a term shown
        similar = hit.similar
        hits.append({"term": similar.reason, "field": "like", "like": similar.like, "score": similar.score})
    match = TopicMatch(
        topic_id=topic_id,
        article_id=id_of(article),
        story_id=_story_id(article),
        hits=hits,
        created_at=now,
    )
    session.add(match)
    return match


def matched_topic_names(*, session: Session, article_id: int) -> set[str]:
    """The names of the topics ``article_id`` has matched so far."""
    query = select(Topic.name).join(TopicMatch, col(TopicMatch.topic_id) == col(Topic.id))
    return set(session.exec(query.where(TopicMatch.article_id == article_id)).all())


def _story_id(article: Article) -> int:
    if article.story_id is None:
        raise ValueError(f"article {article.id} belongs to no story")
    return article.story_id


@dataclass(frozen=True, slots=True)
class ReplayArticle:
    """A stored article as ``newswatch topics test`` replays it."""

    article_id: int
    story_id: int | None
    title: str
    text: str
    location: str
    site_name: str | None
    language: str | None
    first_seen_at: datetime
    embedding: bytes | None = None


def articles_since(*, session: Session, since: datetime, limit: int = 100_000) -> list[ReplayArticle]:
    """Articles first seen at or after ``since``, oldest first, at most ``limit``."""
    rows = session.exec(
        select(Article).where(Article.first_seen_at >= since).order_by(col(Article.id)).limit(limit)
    ).all()
    return [
        ReplayArticle(
            id_of(row),
            row.story_id,
            row.title,
            row.text,
            row.location,
            row.site_name,
            row.language,
            row.first_seen_at,
            row.embedding,
        )
        for row in rows
    ]
