"""The ``ingest`` flow: poll due sources, extract, store, match topics, enqueue and deliver alerts.

Deployed every 10 minutes (prefect.yaml); ``newswatch run`` runs it once over every source.
Sources are claimed a batch of whole sites at a time, so several runs (workers) share the due
ones. Per batch: one task per local source (never per article) on a bounded thread pool, and
one task that polls the batch's web sources at once (one event loop, one HTTP client, per-host
limits; pipeline/web_ingest.py); then the delivery task. Each task is a thin wrapper over
one ``pipeline`` function and takes plain values (``IngestJob``, a ``SourceSpec``).
Each run leaves artifacts with stable keys (summary, new articles, source health) and emits a
``newswatch.topic.matched`` event per match for Automations.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.task_runners import ThreadPoolTaskRunner

from core.settings import Settings
from core.watchlist import LocalSource, SourceSpec, WebSource
from flows.deliver import deliver_alerts_task
from flows.prefect_secrets import read_watchlist
from flows.reporting import emit_match_events, publish_ingest_artifacts, run_name
from pipeline.alerting import DeliveryJob
from pipeline.ingest import IngestJob, claimed_rounds, ingest_job_source, start_ingest
from pipeline.outcomes import SourceOutcome
from pipeline.reports import ingest_report
from pipeline.summary import RunSummary, raise_if_every_source_failed
from pipeline.web_ingest import ingest_job_web_sources

MAX_WORKERS = 4  # sources polled at once; SQLite serialises the writes anyway


@task(name="ingest-source", task_run_name="ingest-source-{spec.name}")
def ingest_source_task(job: IngestJob, spec: SourceSpec) -> SourceOutcome:
    """Read, extract and store one local source; a failing source is recorded, not raised."""
    return ingest_job_source(job, spec)


@task(name="ingest-web-sources")
def ingest_web_sources_task(job: IngestJob, specs: tuple[WebSource, ...]) -> list[SourceOutcome]:
    """Poll every claimed web source together; each failing source is recorded, not raised."""
    return ingest_job_web_sources(job, specs)


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
    job = start_ingest(watchlist, settings)  # a bad query stops it first
    outcomes = tuple(
        outcome
        for claimed in claimed_rounds(job, watchlist.sources, only_due=only_due)
        for outcome in _ingest_claimed(job, claimed)
    )
    delivery = deliver_alerts_task(DeliveryJob.of(watchlist, settings))
    polled = {outcome.source for outcome in outcomes}
    skipped = tuple(spec.name for spec in watchlist.sources if spec.name not in polled)
    summary = RunSummary(outcomes, delivery, time.monotonic() - started, skipped)
    logger = get_run_logger()
    logger.info(summary.headline())
    for topic, count in summary.matches_per_topic.most_common():
        logger.info("topic %r: %d new matching article(s)", topic, count)
    publish_ingest_artifacts(ingest_report(summary, job.engine))
    emit_match_events(summary)
    raise_if_every_source_failed(summary)  # a Failed run, so Prefect's notifications fire
    return summary


def _ingest_claimed(job: IngestJob, claimed: list[SourceSpec]) -> tuple[SourceOutcome, ...]:
    """Local sources one task each, all web sources in one task, side by side; outcomes in order."""
    web = tuple(spec for spec in claimed if isinstance(spec, WebSource))
    web_future = ingest_web_sources_task.submit(job, web) if web else None
    local = [ingest_source_task.submit(job, spec) for spec in claimed if isinstance(spec, LocalSource)]
    by_name = {outcome.source: outcome for outcome in (future.result() for future in local)}
    if web_future is not None:
        by_name.update((outcome.source, outcome) for outcome in web_future.result())
    return tuple(by_name[spec.name] for spec in claimed)
