"""The pipeline as plain functions: read a source, extract, store, cluster, match, enqueue, deliver.

flows/ composes sources/, extractors/, topics/, alerts/ and storage/ here without Prefect, one
module per step (reading, extraction, storing, alerting), so each step is tested on its own;
flows/ingest.py only wraps these functions in tasks.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.errors import ConfigurationError, PipelineError, QuerySyntaxError
from core.settings import StorySettings
from core.watchlist import SourceSpec, Watchlist, parse_duration
from flows.alerting import deliver_due_alerts
from flows.extraction import extract_all
from flows.outcomes import DeliveryReport, NewArticle, SourceOutcome
from flows.reading import read_source
from flows.storing import store_read
from storage import catalog
from storage.engine import transaction
from storage.models import Source, utcnow
from topics.matcher import TopicMatcher, compile_topics

__all__ = [
    "DeliveryReport",
    "NewArticle",
    "SourceOutcome",
    "compile_watchlist_topics",
    "deliver_due_alerts",
    "ingest_source",
    "sync_watchlist",
]
LOGGER = logging.getLogger(__name__)


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
        read = read_source(spec, dict(cursor))
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
