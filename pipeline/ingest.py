"""Ingesting sources: claim a batch, read each source, extract its documents, store them, hand
the sources back; then the next batch.

A source that fails as a whole is recorded with its reason (health, backoff, Retry-After) and
never raises; the web sources of a run are ingested together by pipeline/web_ingest.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict
from urllib.parse import urlsplit

from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.redaction import redact
from core.errors import PipelineError
from core.settings import HttpSettings, Settings, StorySettings
from core.watchlist import SourceSpec, Watchlist, WebSource
from pipeline.extraction import extract_all
from pipeline.leasing import lease_kept
from pipeline.outcomes import SourceOutcome
from pipeline.reading import read_source
from pipeline.storing import store_read
from pipeline.watchlist import compile_watchlist_topics, sync_watchlist, topic_matcher, watchlist_topics
from storage import catalog, leases
from storage.engine import shared_engine, transaction
from storage.models import Source, utcnow
from topics.matcher import TopicDefinition, TopicMatcher

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestJob:
    """What every ingest task of one run shares, as plain values that Prefect can hash.

    A task opens the engine and compiles the matcher from these (both cached per process), so
    no session, engine or compiled matcher crosses a task boundary.
    """

    database_url: SecretStr
    topics: tuple[TopicDefinition, ...]
    stories: StorySettings
    http: HttpSettings
    owner: str  # the run's name on the source leases
    lease_seconds: float | None = None  # renew the leases while working (None: never)
    claim_batch: int | None = None  # sources claimed at a time (None: all that are free)

    @property
    def engine(self) -> Engine:
        """The process's migrated engine for the job's database."""
        return shared_engine(self.database_url.get_secret_value())

    @property
    def matcher(self) -> TopicMatcher:
        """The compiled matcher of the job's topics."""
        return topic_matcher(self.topics)

    @property
    def lease(self) -> Lease:
        """Whom the job's sources are leased to, and how long a renewal holds them."""
        return Lease(owner=self.owner, lease_seconds=self.lease_seconds)


class Lease(TypedDict):
    """The keyword arguments that say under which lease a run ingests its sources."""

    owner: str
    lease_seconds: float | None


def start_ingest(watchlist: Watchlist, settings: Settings) -> IngestJob:
    """The run's job, once its topics compile (a bad query stops the run before any work) and the
    watchlist is mirrored into storage; its sources are then claimed round by round
    (``claimed_rounds``)."""
    semantic = settings.semantic.enabled
    compile_watchlist_topics(watchlist, semantic=semantic)
    job = IngestJob(
        database_url=settings.database_url,
        topics=watchlist_topics(watchlist, semantic=semantic),
        stories=settings.story,
        http=settings.http,
        owner=leases.lease_owner("ingest"),
        lease_seconds=settings.source_lease_seconds,
        claim_batch=settings.claim_sources,
    )
    sync_watchlist(job.engine, watchlist)
    return job


def claimed_rounds(
    job: IngestJob, specs: Iterable[SourceSpec], *, only_due: bool
) -> Iterator[list[SourceSpec]]:
    """The sources this run polls, a batch at a time, each batch leased to the run as it is asked for.

    Asking for the next batch only once the previous one is ingested is what lets several runs
    (workers) share the due sources: each claims about ``job.claim_batch`` sources, whole sites,
    free ones only. Ends when nothing more can be claimed (all done, not due, or held elsewhere).
    """
    remaining = {spec.name: spec for spec in specs}
    while remaining:
        claimed = claim_sources(
            job.engine,
            remaining.values(),
            owner=job.owner,
            lease_seconds=job.lease_seconds or 120,  # a job that never renews still holds its claim a while
            only_due=only_due,
            limit=job.claim_batch,
        )
        if not claimed:
            return
        for spec in claimed:
            del remaining[spec.name]
        yield claimed


def source_site(spec: SourceSpec) -> str | None:
    """The host a web source's requests go to (the key of the per-host limits); None for files."""
    if isinstance(spec, WebSource):
        return (urlsplit(spec.url).hostname or "").lower()
    return None


def ingest_job_source(job: IngestJob, spec: SourceSpec) -> SourceOutcome:
    """``ingest_claimed_source`` with the job's engine, matcher, settings and lease."""
    return ingest_claimed_source(job.engine, spec, job.matcher, job.stories, job.http, **job.lease)


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
        extracted, failures = extract_all(read.documents, embed=matcher.semantic)
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
    engine: Engine,
    specs: Iterable[SourceSpec],
    *,
    owner: str,
    lease_seconds: float,
    only_due: bool,
    limit: int | None = None,
) -> list[SourceSpec]:
    """The sources this run may poll now: leased to ``owner`` (free, and due when ``only_due``),
    about ``limit`` of them when given, whole sites at a time."""
    by_name = {spec.name: spec for spec in specs}
    sites = {name: site for name, spec in by_name.items() if (site := source_site(spec))}
    with transaction(engine) as session:
        claimed = leases.claim_sources(
            session=session,
            names=by_name,
            owner=owner,
            now=utcnow(),
            lease=timedelta(seconds=lease_seconds),
            only_due=only_due,
            limit=limit,
            site_of=sites,
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
