"""The pipeline as plain functions: read a source, extract, store, cluster, match, enqueue, deliver.

flows/ composes sources/, extractors/, topics/, alerts/ and storage/ here without Prefect, one
module per step (reading, extraction, storing, alerting), so each step is tested on its own;
flows/ingest.py only wraps these functions in tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.redaction import redact
from core.errors import ConfigurationError, PipelineError, QuerySyntaxError, StorageError
from core.settings import HttpSettings, StorySettings
from core.watchlist import SourceSpec, TopicSpec, Watchlist, parse_duration
from flows.alerting import deliver_due_alerts
from flows.extraction import extract_all
from flows.leasing import lease_kept
from flows.outcomes import DeliveryReport, NewArticle, SourceOutcome
from flows.reading import read_source
from flows.storing import store_read
from storage import catalog, leases, outbox
from storage.engine import transaction
from storage.models import Source, utcnow
from topics.matcher import TopicDefinition, TopicMatcher, compile_topics

__all__ = [
    "DeliveryReport",
    "NewArticle",
    "SourceOutcome",
    "claim_sources",
    "compile_watchlist_topics",
    "deliver_due_alerts",
    "ingest_claimed_source",
    "ingest_source",
    "sync_watchlist",
]
LOGGER = logging.getLogger(__name__)


def compile_watchlist_topics(watchlist: Watchlist) -> TopicMatcher:
    """The matcher for every topic of the watchlist; a bad query is reported with its file and line.

    Compiled once per run and handed to every source's ingest.
    """
    for topic in watchlist.topics:
        try:
            compile_topics([topic_definition(topic)])
        except QuerySyntaxError as exc:
            raise ConfigurationError(f"{watchlist.where(topic.name)}: topic {topic.name!r}: {exc}") from exc
    return compile_topics(topic_definition(topic) for topic in watchlist.topics)


def topic_definition(topic: TopicSpec) -> TopicDefinition:
    """A watchlist topic as topics/ compiles it (query, stemming, exclusions)."""
    return TopicDefinition(topic.name, topic.query, stemming=topic.stemming, exclude=topic.exclude)


def sync_watchlist(engine: Engine, watchlist: Watchlist) -> None:
    """Mirror the watchlist's sources and topics into storage (cursors and health are kept).

    Two runs starting together may both insert a new source or topic; the loser of that race
    gets ``db_conflict`` and simply tries again, now finding the rows the other run created.
    """
    for attempt in range(3):
        try:
            return _sync_watchlist_once(engine, watchlist)
        except StorageError as exc:
            if exc.reason != "db_conflict" or attempt == 2:
                raise
            LOGGER.info("watchlist sync raced another run; trying again")


def _sync_watchlist_once(engine: Engine, watchlist: Watchlist) -> None:
    with transaction(engine) as session:
        for source in watchlist.sources:
            catalog.upsert_source(
                session=session,
                name=source.name,
                kind=source.kind,
                location=redact(str(source.location)),  # a URL's credentials stay in the watchlist
                every_seconds=parse_duration(source.every),
            )
        for topic in watchlist.topics:
            row = catalog.upsert_topic(
                session=session,
                name=topic.name,
                query=topic.query,
                mode=topic.alert.mode,
                channels=topic.alert.channels,
            )
            outbox.set_topic_policy(session=session, topic=row, policy=topic.alert.model_dump(mode="json"))


def ingest_source(
    engine: Engine,
    spec: SourceSpec,
    matcher: TopicMatcher,
    stories: StorySettings,
    http: HttpSettings | None = None,
) -> SourceOutcome:
    """Read one source, extract its documents and store them; never raises for a bad source."""
    now = utcnow()
    try:
        cursor = load_cursors(engine, [spec.name])[spec.name]
        read = read_source(spec, cursor, http)
        extracted, failures = extract_all(read.documents)
        return store_read(engine, read, extracted, failures, matcher, stories, now)
    except PipelineError as exc:
        return record_failed_source(engine, spec.name, exc, now)


def load_cursors(engine: Engine, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored cursor of each named source, in one query."""
    with Session(engine) as session:
        rows = session.exec(select(Source.name, Source.state).where(col(Source.name).in_(list(names)))).all()
    return {name: dict(state or {}) for name, state in rows}


def record_failed_source(engine: Engine, name: str, exc: PipelineError, now: datetime) -> SourceOutcome:
    """Record that source ``name`` failed as a whole (health, backoff, Retry-After); its outcome."""
    LOGGER.warning("source %s failed: %s (%s)", name, exc, exc.reason)
    error = redact(f"{exc.reason}: {exc}")  # the error may quote the source's URL and its credentials
    with transaction(engine) as session:
        source = session.exec(select(Source).where(Source.name == name)).one()
        catalog.record_source_failure(
            session=session,
            source=source,
            now=now,
            error=error,
            error_class=exc.reason,
            http_status=getattr(exc, "status_code", None),
            retry_after_s=getattr(exc, "retry_after_s", None),
        )
    return SourceOutcome(name, error=error)


def claim_sources(
    engine: Engine, specs: Iterable[SourceSpec], *, owner: str, lease_seconds: int, only_due: bool
) -> list[SourceSpec]:
    """The sources this run may poll now: leased to ``owner`` (free, and due when ``only_due``)."""
    by_name = {spec.name: spec for spec in specs}
    with transaction(engine) as session:
        claimed = leases.claim_sources(
            session=session,
            names=by_name,
            owner=owner,
            now=utcnow(),
            lease=timedelta(seconds=lease_seconds),
            only_due=only_due,
        )
    return [by_name[name] for name in claimed]


def ingest_claimed_source(
    engine: Engine,
    spec: SourceSpec,
    matcher: TopicMatcher,
    stories: StorySettings,
    http: HttpSettings | None = None,
    *,
    owner: str,
    lease_seconds: float | None = None,
) -> SourceOutcome:
    """``ingest_source`` (renewing the lease meanwhile, when ``lease_seconds`` is given), then hand
    the source's lease back, whatever happened."""
    try:
        if lease_seconds is None:
            return ingest_source(engine, spec, matcher, stories, http)
        with lease_kept(engine, spec.name, owner, lease_seconds):
            return ingest_source(engine, spec, matcher, stories, http)
    finally:
        with transaction(engine) as session:
            leases.release_source(session=session, name=spec.name, owner=owner)
