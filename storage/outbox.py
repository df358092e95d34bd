"""The alert outbox: enqueue with the match, claim in a short transaction, settle after sending.

Claiming is one ``UPDATE … RETURNING`` whose inner SELECT takes ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; on SQLite the surrounding ``BEGIN IMMEDIATE`` serialises claimers. Either way two
dispatchers never claim the same row. A row stuck in ``sending`` past its lease (the process
died) goes back to ``retry`` flagged ``maybe_sent``. ``claimed_alerts`` reads what the messages
of claimed alerts are made of in one query; alerts/messages.py makes the messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, tuple_, update
from sqlalchemy import select as sql_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.records import ClaimedAlert, OutboxReport, StoryArticle, TermHit, count_outlets, web_link
from storage.models import Alert, Article, Story, Topic, TopicMatch, id_of

CLAIMABLE = ("pending", "retry")
UNSENT = ("pending", "sending", "retry")
STATUSES = ("pending", "sending", "sent", "retry", "dead")
STORY_KINDS = ("story", "burst", "update")  # the kinds that tell a channel about a story as a whole


def enqueue_alert(
    *,
    session: Session,
    topic_id: int,
    story_id: int,
    article_id: int,
    channel: str,
    kind: str,
    now: datetime,
    article_key: int = 0,
    digest_at: datetime | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Insert the alert unless its key (topic, story, article key, channel, kind) exists; True if inserted.

    A ``digest_at`` holds the alert until that digest slot (and sends it within the digest); a
    ``not_before`` only delays it.
    """
    values: dict[str, Any] = {
        "topic_id": topic_id,
        "story_id": story_id,
        "article_id": article_id,
        "article_key": article_key,
        "channel": channel,
        "kind": kind,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": digest_at or max(now, not_before or now),
        "digest_at": digest_at,
        "recipients": {},
        "created_at": now,
        "maybe_sent": False,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Alert)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["topic_id", "story_id", "article_key", "channel", "kind"])
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
    maybe_sent: bool = False,
    recipients: dict[str, str] | None = None,
    outlets_shown: int | None = None,
) -> None:
    """Record the outcome of one delivery attempt (``sent``, ``retry`` or ``dead``).

    ``maybe_sent`` only ever turns the flag on; ``recipients`` results are merged, so a
    recipient that accepted stays ``sent`` across later attempts. A sent alert keeps how many
    outlets it named (``outlets_shown``): story updates count on from there.
    """
    alert = session.get_one(Alert, alert_id)
    alert.status, alert.lease_until, alert.last_error = status, None, error
    alert.maybe_sent = alert.maybe_sent or maybe_sent
    if recipients:
        alert.recipients = {**alert.recipients, **recipients}
    if status == "sent":
        alert.sent_at, alert.provider_ref, alert.outlets_shown = now, provider_ref, outlets_shown
    if next_attempt_at is not None:
        alert.next_attempt_at = next_attempt_at
    session.add(alert)


def hold_alert(*, session: Session, alert_id: int, until: datetime, reason: str) -> None:
    """Put a claimed alert back as ``pending`` for the digest at ``until`` (the attempt is not counted)."""
    alert = session.get_one(Alert, alert_id)
    alert.status, alert.lease_until = "pending", None
    alert.digest_at = alert.next_attempt_at = until
    alert.attempts = max(alert.attempts - 1, 0)
    alert.last_error = f"held: {reason}"
    session.add(alert)


def release_expired_leases(*, session: Session, now: datetime) -> int:
    """Return alerts stuck in ``sending`` past their lease to ``retry``, flagged ``maybe_sent``."""
    statement = (
        update(Alert)
        .where(col(Alert.status) == "sending", col(Alert.lease_until) < now)
        .values(status="retry", maybe_sent=True, lease_until=None, next_attempt_at=now)
    )
    return len(session.execute(statement.returning(col(Alert.id))).all())


def claimed_alerts(*, session: Session, alert_ids: Sequence[int]) -> list[ClaimedAlert]:
    """The alerts ``alert_ids`` with their topic, story, the story's reports (oldest first) and the
    terms the topic matched in it, in one query (one more when a story update is among them)."""
    if not alert_ids:
        return []
    match = and_(
        col(TopicMatch.topic_id) == col(Alert.topic_id),
        col(TopicMatch.story_id) == col(Alert.story_id),
        col(TopicMatch.article_id) == col(Article.id),
    )
    query = (
        sql_select(Alert, col(Topic.name), col(Story.title), col(TopicMatch.id), col(TopicMatch.hits))
        .add_columns(*_REPORT_COLUMNS)
        .join(Topic, col(Topic.id) == col(Alert.topic_id))
        .join(Story, col(Story.id) == col(Alert.story_id))
        .outerjoin(Article, col(Article.story_id) == col(Alert.story_id))
        .outerjoin(TopicMatch, match)
        .where(col(Alert.id).in_(list(alert_ids)))
        .order_by(col(Alert.id), col(Article.first_seen_at), col(Article.id))
    )
    rows: dict[int, list[Any]] = {}
    for row in session.execute(query).all():
        rows.setdefault(id_of(row[0]), []).append(row)
    updates = [group[0][0] for group in rows.values() if group[0][0].kind == "update"]
    before = _deliveries_before(session, updates)
    return [_claimed(group, before.get(alert_id)) for alert_id, group in rows.items()]


_REPORT_COLUMNS = tuple(
    col(column)
    for column in (
        Article.id,
        Article.title,
        Article.location,
        Article.site_name,
        Article.published_at,
        Article.first_seen_at,
        Article.canonical_url,
        Article.text,
    )
)


def _claimed(group: list[Any], before: StoryDelivery | None) -> ClaimedAlert:
    alert, topic, story_title = group[0][:3]
    found = sorted((row[3], row[4]) for row in group if row[3] is not None)  # matches, as recorded
    terms = tuple(dict.fromkeys(hit["term"] for _, hits in found for hit in hits))
    reports = tuple(_report(row) for row in group if row[5] is not None)
    return ClaimedAlert(
        alert_id=id_of(alert),
        topic=topic,
        channel=alert.channel,
        kind=alert.kind,
        story_id=alert.story_id,
        story_title=story_title,
        article_id=alert.article_id,
        attempts=alert.attempts,
        digest_at=alert.digest_at,
        maybe_sent=alert.maybe_sent,
        done_recipients=tuple(r for r, status in alert.recipients.items() if status == "sent"),
        matched_terms=terms,
        reports=reports,
        follows=before.first_alert if before else None,
        shown_outlets=before.outlets_shown if before else None,
        shown_at=before.last_sent_at if before else None,
    )


def _report(row: Any) -> OutboxReport:
    """One report of the story, with its own match's hits when it matched the topic."""
    article_id, title, location, site, published, first_seen, canonical, text = row[5:13]
    return OutboxReport(
        article_id, title, location, site, published, first_seen, canonical, text, _term_hits(row[4])
    )


def _term_hits(hits: list[dict[str, Any]] | None) -> tuple[TermHit, ...]:
    """A match's stored query-term hits as records (rows stored before the written form was kept
    have none); a semantic match's reason (field ``like``) names no words in the text."""
    return tuple(
        TermHit(h["term"], h["field"], h["position"], h.get("found") or "", h.get("offset"))
        for h in hits or ()
        if h["field"] != "like"
    )


def _deliveries_before(session: Session, updates: list[Alert]) -> dict[int, StoryDelivery]:
    """For each story update, what its channel was sent about the story before it, in one query."""
    if not updates:
        return {}
    keys = {(u.topic_id, u.story_id, u.channel) for u in updates}
    query = select(Alert).where(
        tuple_(col(Alert.topic_id), col(Alert.story_id), col(Alert.channel)).in_(list(keys)),
        col(Alert.kind).in_(STORY_KINDS),
    )
    earlier = session.exec(query.order_by(col(Alert.id))).all()
    found = {}
    for alert in updates:
        key = (alert.topic_id, alert.story_id, alert.channel)
        rows = [r for r in earlier if (r.topic_id, r.story_id, r.channel) == key and id_of(r) < id_of(alert)]
        delivery = _delivery_of(rows)
        if delivery is not None:
            found[id_of(alert)] = delivery
    return found


def story_outlets(*, session: Session, topic_id: int, story_id: int, since: datetime) -> int:
    """Distinct outlets whose reports of the story matched the topic, dated since ``since``."""
    query = (
        _outlet_columns()
        .join(TopicMatch, col(TopicMatch.article_id) == col(Article.id))
        .where(
            TopicMatch.topic_id == topic_id,
            TopicMatch.story_id == story_id,
            func.coalesce(col(Article.published_at), col(Article.first_seen_at)) >= since,
        )
    )
    return _count_outlets(session, query)


def story_outlet_count(*, session: Session, story_id: int) -> int:
    """Distinct outlets among all reports of the story, counted as its alerts count them."""
    return _count_outlets(session, _outlet_columns().where(Article.story_id == story_id))


def _outlet_columns() -> Any:
    return select(Article.site_name, Article.canonical_url, Article.location)


def _count_outlets(session: Session, query: Any) -> int:
    rows = session.exec(query).all()
    views = (
        StoryArticle("", location, site, None, link=web_link(url, location)) for site, url, location in rows
    )
    return count_outlets(views)


@dataclass(frozen=True, slots=True)
class StoryDelivery:
    """What one channel has been told about a story on a topic, and whether more is on its way."""

    first_alert: int  # the first alert sent: updates follow it (e-mail threads them under it)
    outlets_shown: int | None  # the most outlets a sent message named (None: not recorded)
    last_sent_at: datetime
    unsent: bool  # an alert or update for the story is still pending, retrying or being sent


def story_delivery(
    *, session: Session, topic_id: int, story_id: int, channel: str, before: int | None = None
) -> StoryDelivery | None:
    """What ``channel`` was sent about the story (by alerts below id ``before``); None if nothing."""
    query = select(Alert).where(
        Alert.topic_id == topic_id,
        Alert.story_id == story_id,
        Alert.channel == channel,
        col(Alert.kind).in_(STORY_KINDS),
    )
    if before is not None:
        query = query.where(col(Alert.id) < before)
    return _delivery_of(session.exec(query.order_by(col(Alert.id))).all())


def _delivery_of(rows: Sequence[Alert]) -> StoryDelivery | None:
    """What the story-level alerts ``rows`` (oldest first) told their channel; None if none was sent."""
    sent = [row for row in rows if row.status == "sent" and row.sent_at is not None]
    if not sent:
        return None
    shown = [row.outlets_shown for row in sent if row.outlets_shown is not None]
    return StoryDelivery(
        first_alert=id_of(sent[0]),
        outlets_shown=max(shown) if shown else None,
        last_sent_at=max(row.sent_at for row in sent if row.sent_at is not None),
        unsent=any(row.status in UNSENT for row in rows),
    )


def set_topic_policy(*, session: Session, topic: Topic, policy: dict[str, Any]) -> None:
    """Store the topic's full alert policy (mode settings), read when its matches enqueue alerts."""
    topic.policy = policy
    session.add(topic)


def list_alerts(*, session: Session, status: str | None = None, limit: int = 200) -> list[tuple[Alert, str]]:
    """The outbox, newest first, with each alert's topic name."""
    query = select(Alert, Topic.name).join(Topic, col(Topic.id) == col(Alert.topic_id))
    if status:
        query = query.where(Alert.status == status)
    return [
        (alert, name) for alert, name in session.exec(query.order_by(col(Alert.id).desc()).limit(limit)).all()
    ]


def requeue_alerts(
    *, session: Session, now: datetime, alert_id: int | None = None, dead: bool = False
) -> int:
    """Make an alert (or every dead one) due again now with a fresh attempt count; returns how many."""
    statement = update(Alert).values(status="retry", next_attempt_at=now, attempts=0, lease_until=None)
    if alert_id is not None:
        statement = statement.where(col(Alert.id) == alert_id, col(Alert.status).in_(("dead", "retry")))
    elif dead:
        statement = statement.where(col(Alert.status) == "dead")
    else:
        return 0
    return len(session.execute(statement.returning(col(Alert.id))).all())
