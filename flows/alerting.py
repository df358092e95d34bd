"""Alerting steps: enqueue alerts for a topic hit (with the match), and deliver due alerts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import AlertChannel
from alerts.policy import after_failure
from core.errors import AlertDeliveryError
from core.records import TopicHit
from core.settings import AlertSettings
from flows.outcomes import DeliveryReport
from storage import articles, outbox
from storage.engine import transaction
from storage.models import Article, Topic, id_of, utcnow

LOGGER = logging.getLogger(__name__)


def record_topic_hit(session: Session, article: Article, story_id: int, hit: TopicHit, now: datetime) -> int:
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
