"""Storage on real SQLite and PostgreSQL: migrations, UTC times, uniqueness, the outbox queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.messages import alert_message
from core.errors import StorageError
from core.records import ExtractedArticle, TermHit, TopicHit
from extractors import extract
from storage import articles, catalog, outbox
from storage.engine import make_engine, migrate, transaction
from storage.models import Alert, Article, Source
from tests.extractors.test_page_metadata import NEWS_PAGE

NOW = datetime(2024, 11, 1, 12, 0, tzinfo=UTC)


def _article(location: str, text_hash: str, published: datetime | None = None) -> ExtractedArticle:
    return ExtractedArticle(
        location=location,
        title=f"title {location}",
        title_derived=False,
        text="body",
        published=published,
        content_hash=text_hash,
        word_count=1,
    )


def _seed(engine: Engine) -> tuple[int, int, int]:
    """A source, a topic, a story with one article; returns (topic id, story id, article id)."""
    with transaction(engine) as session:
        source = catalog.upsert_source(
            session=session, name="s", kind="directory", location="/x", every_seconds=60
        )
        topic = catalog.upsert_topic(
            session=session, name="t", query="a", mode="per-story", channels=["console"]
        )
        story = articles.create_story(session=session, title="story", title_derived=False, now=NOW)
        article = articles.add_article(
            session=session,
            extracted=_article("/x/a.txt", "h1", NOW),
            identity="id1",
            source_id=source.id,
            story=story,
            terms={"a": 1.0},
            now=NOW,
        )
        return topic.id, story.id, article.id


def test_migrations_create_every_table_and_can_run_twice(engine: Engine) -> None:
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "source",
        "article",
        "article_alias",
        "story",
        "topic",
        "topic_match",
        "alert",
        "ingest_failure",
    } <= tables


def test_times_come_back_utc_aware(engine: Engine) -> None:
    _seed(engine)
    with Session(engine) as session:
        stored = session.exec(select(Article)).one()
    assert stored.published_at == NOW
    assert stored.published_at is not None and stored.published_at.utcoffset() == timedelta(0)


def test_times_in_other_zones_are_stored_as_the_same_instant(engine: Engine) -> None:
    plus_two = datetime(2024, 11, 27, 6, 40, tzinfo=timezone(timedelta(hours=2)))
    with transaction(engine) as session:
        catalog.upsert_source(session=session, name="s", kind="file", location="/f", every_seconds=60)
        story = articles.create_story(session=session, title="x", title_derived=False, now=plus_two)
        story_id = story.id
    with Session(engine) as session:
        assert session.get_one(articles.Story, story_id).first_seen_at == datetime(
            2024, 11, 27, 4, 40, tzinfo=UTC
        )


def test_naive_times_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
        articles.create_story(session=session, title="x", title_derived=False, now=datetime(2024, 1, 1))


def test_a_pages_metadata_is_stored_whole(engine: Engine) -> None:
    extracted = extract(NEWS_PAGE.encode(), url="https://www.example.org/world/envoy-beirut")
    assert extracted is not None
    _seed(engine)
    with transaction(engine) as session:
        source = session.exec(select(Source)).one()
        story = articles.create_story(session=session, title="x", title_derived=False, now=NOW)
        stored_id = articles.add_article(
            session=session,
            extracted=extracted,
            identity="page",
            source_id=source.id,
            story=story,
            terms={},
            now=NOW,
        ).id
    with Session(engine) as session:
        stored = session.get(Article, stored_id)
        assert stored is not None
        assert (stored.published_source, stored.modified_source) == ("json-ld", "json-ld")
        assert stored.modified_at == extracted.modified
        assert (stored.section, stored.tags, stored.image_url) == (
            "World",
            ["Lebanon", "Diplomacy"],
            "https://img.example.org/lead.jpg",
        )
        assert stored.canonical_url == extracted.canonical_url


def test_same_text_cannot_be_stored_twice(engine: Engine) -> None:
    _seed(engine)
    with pytest.raises(StorageError, match="concurrent write") as caught, transaction(engine) as session:
        source = session.exec(select(Source)).one()
        story = articles.create_story(session=session, title="x", title_derived=False, now=NOW)
        articles.add_article(
            session=session,
            extracted=_article("/x/b.txt", "h1"),
            identity="id2",
            source_id=source.id,
            story=story,
            terms={},
            now=NOW,
        )
    assert caught.value.reason == "db_conflict"


def test_duplicates_are_found_by_identity_or_text_and_become_aliases(engine: Engine) -> None:
    _seed(engine)
    with transaction(engine) as session:
        by_text = articles.find_duplicate(session=session, identity="other", content_hash="h1")
        by_identity = articles.find_duplicate(session=session, identity="id1", content_hash="other")
        assert by_text is not None and by_identity is not None and by_text.id == by_identity.id
        assert articles.add_alias(session=session, article=by_text, location="/y/copy.txt", now=NOW)
        assert not articles.add_alias(session=session, article=by_text, location="/y/copy.txt", now=NOW)
        assert articles.find_duplicate(session=session, identity="new", content_hash="new") is None


def test_an_alert_is_enqueued_once_per_topic_story_and_channel(engine: Engine) -> None:
    topic_id, story_id, article_id = _seed(engine)
    key = {
        "topic_id": topic_id,
        "story_id": story_id,
        "article_id": article_id,
        "channel": "console",
        "kind": "story",
    }
    with transaction(engine) as session:
        assert outbox.enqueue_alert(session=session, now=NOW, **key) is True
    with transaction(engine) as session:
        assert outbox.enqueue_alert(session=session, now=NOW, **key) is False
        assert outbox.enqueue_alert(session=session, now=NOW, **{**key, "channel": "other"}) is True
    with Session(engine) as session:
        assert len(session.exec(select(Alert)).all()) == 2


def test_claimed_alerts_are_not_claimed_again_until_their_lease_expires(engine: Engine) -> None:
    topic_id, story_id, article_id = _seed(engine)
    with transaction(engine) as session:
        outbox.enqueue_alert(
            session=session,
            topic_id=topic_id,
            story_id=story_id,
            article_id=article_id,
            channel="console",
            kind="story",
            now=NOW,
        )
    lease = timedelta(minutes=2)
    with transaction(engine) as session:
        first = outbox.claim_alerts(session=session, now=NOW, lease=lease, limit=10)
    with transaction(engine) as session:
        second = outbox.claim_alerts(session=session, now=NOW, lease=lease, limit=10)
        assert outbox.release_expired_leases(session=session, now=NOW + timedelta(minutes=1)) == 0
    assert len(first) == 1 and second == []
    with transaction(engine) as session:
        assert outbox.release_expired_leases(session=session, now=NOW + timedelta(minutes=3)) == 1
    with transaction(engine) as session:
        third = outbox.claim_alerts(session=session, now=NOW + timedelta(minutes=3), lease=lease, limit=10)
        alert = session.get_one(Alert, third[0])
        assert (alert.attempts, alert.maybe_sent, alert.status) == (2, True, "sending")


def test_alerts_not_yet_due_are_not_claimed(engine: Engine) -> None:
    topic_id, story_id, article_id = _seed(engine)
    with transaction(engine) as session:
        outbox.enqueue_alert(
            session=session,
            topic_id=topic_id,
            story_id=story_id,
            article_id=article_id,
            channel="console",
            kind="story",
            now=NOW + timedelta(hours=1),
        )
        assert outbox.claim_alerts(session=session, now=NOW, lease=timedelta(minutes=2), limit=10) == []


def test_alert_message_names_every_report_and_the_matched_terms(engine: Engine) -> None:
    topic_id, story_id, article_id = _seed(engine)
    with transaction(engine) as session:
        article = session.get_one(Article, article_id)
        hit = TopicHit("t", (TermHit("Lebanon", "text", 3), TermHit("ceasefire", "title", 0)))
        articles.record_match(session=session, topic_id=topic_id, article=article, hit=hit, now=NOW)
        outbox.enqueue_alert(
            session=session,
            topic_id=topic_id,
            story_id=story_id,
            article_id=article_id,
            channel="console",
            kind="story",
            now=NOW,
        )
        alert_id = session.exec(select(Alert.id)).one()
    with Session(engine) as session:
        [claimed] = outbox.claimed_alerts(session=session, alert_ids=[alert_id])
    message, attempts = alert_message(claimed), claimed.attempts
    assert message.matched_terms == ("Lebanon", "ceasefire")
    assert [a.location for a in message.articles] == ["/x/a.txt"]
    assert (message.topic, message.story_title, attempts) == ("t", "story", 0)


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_write_lock_held_too_long_becomes_a_db_busy_storage_error(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    holder = make_engine(url)
    migrate(holder)
    waiter = make_engine(url, busy_timeout_ms=200)
    with transaction(holder) as held:
        held.execute(text("UPDATE source SET name = name"))
        with pytest.raises(StorageError) as caught, transaction(waiter) as session:
            session.execute(text("UPDATE source SET name = name"))
    assert caught.value.reason == "db_busy"
