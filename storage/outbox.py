"""The alert outbox: enqueue with the match, claim in a short transaction, settle after sending.

Claiming is one ``UPDATE … RETURNING`` whose inner SELECT takes ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; on SQLite the surrounding ``BEGIN IMMEDIATE`` serialises claimers. Either way two
dispatchers never claim the same row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.records import AlertMessage
from storage.articles import story_articles
from storage.models import Alert, Story, Topic, TopicMatch, id_of

CLAIMABLE = ("pending", "retry")


def enqueue_alert(
    *, session: Session, topic_id: int, story_id: int, article_id: int, channel: str, kind: str, now: datetime
) -> bool:
    """Insert the alert unless its (topic, story, channel, kind) already exists; True if inserted."""
    values: dict[str, Any] = {
        "topic_id": topic_id,
        "story_id": story_id,
        "article_id": article_id,
        "channel": channel,
        "kind": kind,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "maybe_sent": False,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Alert)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["topic_id", "story_id", "channel", "kind"])
        .returning(col(Alert.id))
    )
    return session.execute(statement).scalar() is not None


def claim_alerts(*, session: Session, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Mark up to ``limit`` due alerts as ``sending`` under a lease and return their ids."""
    due = (
        select(Alert.id)
        .where(col(Alert.status).in_(CLAIMABLE), Alert.next_attempt_at <= now)
        .order_by(col(Alert.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(Alert)
        .where(col(Alert.id).in_(due.scalar_subquery()))
        .values(status="sending", lease_until=now + lease, attempts=col(Alert.attempts) + 1)
        .returning(col(Alert.id))
    )
    return sorted(session.execute(statement).scalars().all())


def settle_alert(
    *,
    session: Session,
    alert_id: int,
    status: str,
    now: datetime,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
    provider_ref: str | None = None,
) -> None:
    """Record the outcome of one delivery attempt (``sent``, ``retry`` or ``dead``)."""
    alert = session.get_one(Alert, alert_id)
    alert.status, alert.lease_until, alert.last_error = status, None, error
    if status == "sent":
        alert.sent_at, alert.provider_ref = now, provider_ref
    if next_attempt_at is not None:
        alert.next_attempt_at = next_attempt_at
    session.add(alert)


def release_expired_leases(*, session: Session, now: datetime) -> int:
    """Return alerts stuck in ``sending`` past their lease to ``retry``, flagged ``maybe_sent``."""
    statement = (
        update(Alert)
        .where(col(Alert.status) == "sending", col(Alert.lease_until) < now)
        .values(status="retry", maybe_sent=True, lease_until=None)
    )
    return len(session.execute(statement.returning(col(Alert.id))).all())


def alert_message(*, session: Session, alert_id: int) -> tuple[AlertMessage, int]:
    """The alert as a channel needs it (naming every report of its story known now), and its attempts."""
    alert = session.get_one(Alert, alert_id)
    topic = session.get_one(Topic, alert.topic_id)
    story = session.get_one(Story, alert.story_id)
    matches = session.exec(
        select(TopicMatch).where(TopicMatch.topic_id == alert.topic_id, TopicMatch.story_id == alert.story_id)
    ).all()
    terms = dict.fromkeys(hit["term"] for match in matches for hit in match.hits)
    message = AlertMessage(
        alert_id=alert_id,
        topic=topic.name,
        channel=alert.channel,
        kind=alert.kind,
        story_id=id_of(story),
        story_title=story.title,
        matched_terms=tuple(terms),
        articles=tuple(story_articles(session=session, story_id=id_of(story))),
    )
    return message, alert.attempts
