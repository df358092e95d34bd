"""The ``ingest`` flow: poll due sources, extract, store, match topics, enqueue and deliver alerts.

Deployed every 10 minutes (prefect.yaml); ``newswatch run`` runs it once over every source.
One task per local source (never per article) on a bounded thread pool, and one task that polls
every due web source at once (one event loop, one HTTP client, per-host limits shared by the
whole run; flows/web_ingest.py), then the delivery task.
Each run leaves artifacts with stable keys (summary, new articles, source health) and emits a
``newswatch.topic.matched`` event per match for Automations.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from core.errors import PipelineError
from core.settings import Settings
from core.watchlist import FILE_KINDS, SourceSpec
from flows.deliver import deliver_alerts_task
from flows.prefect_secrets import read_watchlist
from flows.reporting import emit_match_events, publish_ingest_artifacts, run_name
from pipeline.ingest import claim_sources, ingest_claimed_source
from pipeline.outcomes import SourceOutcome
from pipeline.summary import RunSummary
from pipeline.watchlist import compile_watchlist_topics, sync_watchlist
from pipeline.web_ingest import ingest_web_sources
from storage.engine import shared_engine
from storage.leases import lease_owner
from topics.matcher import TopicMatcher

MAX_WORKERS = 4  # sources polled at once; SQLite serialises the writes anyway


@task(name="ingest-source", cache_policy=NO_CACHE, task_run_name="ingest-source-{spec.name}")
def ingest_source_task(
    spec: SourceSpec, matcher: TopicMatcher, settings: Settings, owner: str
) -> SourceOutcome:
    """Read, extract and store one source; a failing source is recorded, not raised."""
    engine = shared_engine(settings.database_url.get_secret_value())
    return ingest_claimed_source(
        engine,
        spec,
        matcher,
        settings.story,
        settings.http,
        owner=owner,
        lease_seconds=settings.source_lease_seconds,
    )


@task(name="ingest-web-sources", cache_policy=NO_CACHE)
def ingest_web_sources_task(
    specs: list[SourceSpec], matcher: TopicMatcher, settings: Settings, owner: str
) -> list[SourceOutcome]:
    """Poll every claimed web source together; each failing source is recorded, not raised."""
    engine = shared_engine(settings.database_url.get_secret_value())
    return ingest_web_sources(
        engine,
        specs,
        matcher,
        settings.story,
        settings.http,
        owner=owner,
        lease_seconds=settings.source_lease_seconds,
    )


@flow(
    name="ingest",
    flow_run_name=run_name("ingest"),
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS),  # type: ignore[arg-type]  # Prefect's generic
)
def ingest(watchlist_path: str | None = None, only_due: bool = True) -> RunSummary:
    """Poll the watchlist's sources (only those due, unless ``only_due`` is false), then deliver alerts."""
    started = time.monotonic()
    settings = Settings()
    watchlist = read_watchlist(Path(watchlist_path) if watchlist_path else settings.watchlist)
    matcher = compile_watchlist_topics(watchlist)  # a bad query stops the run before any work
    engine = shared_engine(settings.database_url.get_secret_value())
    sync_watchlist(engine, watchlist)
    owner = lease_owner("ingest")
    claimed = claim_sources(
        engine, watchlist.sources, owner=owner, lease_seconds=settings.source_lease_seconds, only_due=only_due
    )
    outcomes = _ingest_claimed(claimed, matcher, settings, owner)
    delivery = deliver_alerts_task(watchlist, settings)
    skipped = tuple(spec.name for spec in watchlist.sources if spec not in claimed)
    summary = RunSummary(outcomes, delivery, time.monotonic() - started, skipped)
    logger = get_run_logger()
    logger.info(summary.headline())
    for topic, count in summary.matches_per_topic.most_common():
        logger.info("topic %r: %d new matching article(s)", topic, count)
    publish_ingest_artifacts(summary, engine)
    emit_match_events(summary)
    _fail_if_nothing_worked(summary)
    return summary


def _ingest_claimed(
    claimed: list[SourceSpec], matcher: TopicMatcher, settings: Settings, owner: str
) -> tuple[SourceOutcome, ...]:
    """Local sources one task each, all web sources in one task, side by side; outcomes in order."""
    web = [spec for spec in claimed if spec.kind not in FILE_KINDS]
    web_future = ingest_web_sources_task.submit(web, matcher, settings, owner) if web else None
    local = [
        ingest_source_task.submit(spec, matcher, settings, owner)
        for spec in claimed
        if spec.kind in FILE_KINDS
    ]
    by_name = {outcome.source: outcome for outcome in (future.result() for future in local)}
    if web_future is not None:
        by_name.update((outcome.source, outcome) for outcome in web_future.result())
    return tuple(by_name[spec.name] for spec in claimed)


def _fail_if_nothing_worked(summary: RunSummary) -> None:
    """Every polled source failing ends the run in a Failed state, so Prefect's notifications fire."""
    if summary.outcomes and len(summary.failed_sources) == len(summary.outcomes):
        errors = "; ".join(f"{o.source}: {o.error}" for o in summary.failed_sources)
        raise PipelineError(f"every source failed: {errors}")
