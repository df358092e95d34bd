"""Alerting steps: enqueue alerts for a topic hit (with the match), and deliver due alerts.

Enqueueing follows the topic's mode: ``per-story`` (one alert per story), ``per-article`` (one
per report), ``digest`` (held for the next slot) or ``burst`` (once the story reaches N outlets
within H hours). A per-story or burst story that keeps growing after its alert went out gets
a story update when it crosses the topic's outlet thresholds. Delivery claims due alerts in
short transactions (an alert left in ``sending`` past its lease goes back to ``retry`` flagged
``maybe_sent``), sends outside any transaction, and records each outcome in a new one: an
alert is never lost, and sent twice only when a crash fell between the provider's answer and
that record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import AlertChannel, at_most_once, build_channels, close_channels
from alerts.messages import alert_message
from alerts.policy import Outcome, after_failure, next_digest_at, quiet_until
from alerts.redaction import redact, register_secrets
from core.errors import AlertDeliveryError
from core.reasons import FailureReason
from core.records import AlertMessage, TopicHit
from core.settings import AlertSettings, Settings, SmtpSettings
from core.watchlist import AlertPolicy, ChannelSpec, Watchlist
from pipeline.outcomes import DeliveryReport
from pipeline.rate_limit import shared_rate_limiter
from storage import articles, outbox
from storage.engine import shared_engine, transaction
from storage.models import Article, Topic, id_of, utcnow

LOGGER = logging.getLogger(__name__)
MAX_BATCHES_PER_RUN = 100  # a run drains the outbox, but never forever while new alerts arrive


def topic_policy(topic: Topic) -> AlertPolicy:
    """The topic's alert policy as stored from the watchlist (mode and channels when older rows lack it)."""
    return AlertPolicy.model_validate(topic.policy or {"mode": topic.mode, "channels": topic.channels})


def record_topic_hit(session: Session, article: Article, story_id: int, hit: TopicHit, now: datetime) -> int:
    """Store the match and enqueue alerts as the topic's mode says (and story updates); returns how many."""
    topic = session.exec(select(Topic).where(Topic.name == hit.topic)).one()
    topic_id = id_of(topic)
    articles.record_match(session=session, topic_id=topic_id, article=article, hit=hit, now=now)
    session.flush()  # the match just recorded counts towards bursts and updates
    policy = topic_policy(topic)
    enqueued = _enqueue_alerts(session, topic_id, story_id, id_of(article), policy, now)
    if policy.sends_updates:
        enqueued += _enqueue_story_updates(session, topic_id, story_id, id_of(article), policy, now)
    return enqueued


def _enqueue_alerts(
    session: Session, topic_id: int, story_id: int, article_id: int, policy: AlertPolicy, now: datetime
) -> int:
    """One alert per channel, keyed as the mode says: per story, per article, per digest slot or per burst."""
    key: dict[str, Any] = {"kind": "story"}
    if policy.mode == "per-article":
        key = {"kind": "article", "article_key": article_id}
    elif policy.mode == "digest":
        key = {"kind": "story", "digest_at": next_digest_at(policy.schedule, now)}
    elif policy.mode == "burst":
        since = now - timedelta(hours=policy.rule.hours)
        outlets = outbox.story_outlets(session=session, topic_id=topic_id, story_id=story_id, since=since)
        if outlets < policy.rule.outlets:
            return 0
        key = {"kind": "burst"}
    enqueue = _enqueuer(session, topic_id, story_id, article_id, now)
    return sum(enqueue(channel=channel, **key) for channel in policy.channels)


def _enqueue_story_updates(
    session: Session, topic_id: int, story_id: int, article_id: int, policy: AlertPolicy, now: datetime
) -> int:
    """A story update per channel already told about the story, when it crossed an outlet threshold.

    Nothing while the story's alert (or an update) is still unsent: that one names every report
    when it goes out. Keyed by the threshold, so overlapping runs enqueue it once.
    """
    told = {
        channel: outbox.story_delivery(session=session, topic_id=topic_id, story_id=story_id, channel=channel)
        for channel in policy.channels
    }
    ready = {c: t for c, t in told.items() if t and not t.unsent and t.outlets_shown is not None}
    if not ready:
        return 0
    outlets = outbox.story_outlet_count(session=session, story_id=story_id)
    enqueue, gap = _enqueuer(session, topic_id, story_id, article_id, now), policy.updates.min_gap
    enqueued = 0
    for channel, delivery in ready.items():
        threshold = policy.updates.threshold(shown=delivery.outlets_shown or 0, outlets=outlets)
        if threshold is not None:
            not_before = delivery.last_sent_at + gap
            enqueued += enqueue(channel=channel, kind="update", article_key=threshold, not_before=not_before)
    return enqueued


def _enqueuer(
    session: Session, topic_id: int, story_id: int, article_id: int, now: datetime
) -> Callable[..., bool]:
    """``outbox.enqueue_alert`` for this match; the caller names the channel and the alert's key."""
    return partial(
        outbox.enqueue_alert,
        session=session,
        topic_id=topic_id,
        story_id=story_id,
        article_id=article_id,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """What a delivery task needs, as plain values that Prefect can hash."""

    database_url: SecretStr
    channels: Mapping[str, ChannelSpec]  # the watchlist's channels, by name
    smtp: SmtpSettings
    alerts: AlertSettings

    @classmethod
    def of(cls, watchlist: Watchlist, settings: Settings) -> DeliveryJob:
        """The delivery job of ``watchlist``'s channels with ``settings``."""
        return cls(settings.database_url, watchlist.channels, settings.smtp, settings.alerts)


def deliver_job(job: DeliveryJob) -> DeliveryReport:
    """Send every due alert through the job's channels (rate limits shared through the database)."""
    engine = shared_engine(job.database_url.get_secret_value())
    channels = build_channels(job.channels, smtp=job.smtp, limiter=shared_rate_limiter(engine))
    try:
        return deliver_due_alerts(engine, channels, job.alerts)
    finally:
        close_channels(channels)


@dataclass
class _Counts:
    values: dict[str, int] = field(default_factory=lambda: {"sent": 0, "retry": 0, "dead": 0, "held": 0})

    def add(self, status: str, n: int = 1) -> None:
        self.values[status] += n


def deliver_due_alerts(
    engine: Engine,
    channels: Mapping[str, AlertChannel],
    settings: AlertSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> DeliveryReport:
    """Claim due alerts batch by batch, send each outside any transaction, then record the outcome.

    Alerts held for one digest slot of one channel go out as one message. A run stops when
    nothing is due (failed alerts are due later) or after ``MAX_BATCHES_PER_RUN`` batches.
    """
    register_secrets([engine.url.password if isinstance(engine.url.password, str) else None])
    counts, requeued = _Counts(), 0
    for _ in range(MAX_BATCHES_PER_RUN):
        now = clock()
        with transaction(engine) as session:
            requeued += outbox.release_expired_leases(session=session, now=now)
            claimed = outbox.claim_alerts(
                session=session,
                now=now,
                lease=timedelta(seconds=settings.lease_seconds),
                limit=settings.batch_size,
            )
        if not claimed:
            break
        _deliver_batch(engine, claimed, channels, settings, clock, counts)
    v = counts.values
    return DeliveryReport(v["sent"], v["retry"], v["dead"], requeued, v["held"])


def _deliver_batch(
    engine: Engine,
    claimed: list[int],
    channels: Mapping[str, AlertChannel],
    settings: AlertSettings,
    clock: Callable[[], datetime],
    counts: _Counts,
) -> None:
    with Session(engine) as session:
        loaded = outbox.claimed_alerts(session=session, alert_ids=claimed)
    digests: dict[tuple[str, datetime], list[tuple[AlertMessage, int]]] = {}
    for alert in loaded:
        message = alert_message(alert)
        channel = channels.get(message.channel)
        hold = _hold_until(channel, alert.digest_at, clock())
        if hold is not None:
            with transaction(engine) as session:
                outbox.hold_alert(
                    session=session, alert_id=message.alert_id, until=hold, reason="quiet hours or digest"
                )
            counts.add("held")
        elif alert.digest_at is not None:
            digests.setdefault((message.channel, alert.digest_at), []).append((message, alert.attempts))
        else:
            _deliver([(message, alert.attempts)], message, channel, engine, settings, clock, counts)
    for (name, _slot), group in digests.items():
        items = tuple(message for message, _ in group)
        digest = AlertMessage(
            alert_id=min(m.alert_id for m in items),
            topic="digest",
            channel=name,
            kind="digest",
            story_id=0,
            story_title=f"{len(items)} stories",
            matched_terms=(),
            items=items,
            maybe_sent=any(m.maybe_sent for m in items),
            done_recipients=tuple(set.intersection(*(set(m.done_recipients) for m in items))),
        )
        _deliver(group, digest, channels.get(name), engine, settings, clock, counts)


def _hold_until(channel: AlertChannel | None, digest_at: datetime | None, now: datetime) -> datetime | None:
    """When a claimed alert must wait for a digest instead: the channel's quiet hours or digest schedule."""
    spec = getattr(channel, "spec", None)
    if spec is None or digest_at is not None:
        return None
    if getattr(spec, "quiet_hours", None) is not None:
        until = quiet_until(spec.quiet_hours, spec.timezone, now)
        if until is not None:
            return until
    if getattr(spec, "digest", None) is not None:
        return next_digest_at(spec.digest, now)
    return None


def _deliver(
    group: list[tuple[AlertMessage, int]],
    message: AlertMessage,
    channel: AlertChannel | None,
    engine: Engine,
    settings: AlertSettings,
    clock: Callable[[], datetime],
    counts: _Counts,
) -> None:
    """Send one message (an alert, or a digest of ``group``) and settle every alert in it."""
    attempts = max(a for _, a in group)
    outcome, reference = _attempt(message, channel, attempts, settings, clock)
    with transaction(engine) as session:
        for item, _ in group:
            outbox.settle_alert(
                session=session,
                alert_id=item.alert_id,
                status=outcome.status,
                now=clock(),
                next_attempt_at=outcome.next_attempt_at,
                error=redact(outcome.error) if outcome.error else None,
                provider_ref=reference,
                maybe_sent=outcome.maybe_sent,
                recipients=outcome.recipients,
                outlets_shown=item.outlets,
            )
    counts.add(outcome.status, len(group))


def _attempt(
    message: AlertMessage,
    channel: AlertChannel | None,
    attempts: int,
    settings: AlertSettings,
    clock: Callable[[], datetime],
) -> tuple[Outcome, str | None]:
    """Send once; the outcome to record and the provider's reference. Never raises AlertDeliveryError."""
    name = message.channel
    try:
        if channel is None:
            raise AlertDeliveryError(
                f"no channel named {name!r} in the watchlist",
                channel=name,
                reason=FailureReason.UNKNOWN_CHANNEL,
            )
        if message.maybe_sent and at_most_once(channel):
            return Outcome(
                "dead",
                error="not retried: an earlier attempt may have been delivered (at-most-once channel)",
                maybe_sent=True,
            ), None
        reference = channel.send(message)
        sent = {r: "sent" for r in getattr(getattr(channel, "spec", None), "to", ())}
        return Outcome("sent", maybe_sent=message.maybe_sent, recipients=sent), reference
    except AlertDeliveryError as exc:
        outcome = after_failure(
            exc,
            attempts=attempts,
            now=clock(),
            max_attempts=settings.max_attempts,
            base_seconds=settings.backoff_base_seconds,
            max_seconds=settings.backoff_max_seconds,
            maybe_sent=message.maybe_sent,
            at_most_once=at_most_once(channel) if channel is not None else False,
        )
        LOGGER.warning("alert %s on %s: %s -> %s", message.alert_id, name, redact(str(exc)), outcome.status)
        return outcome, None
