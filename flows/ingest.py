"""The ``ingest`` flow: poll the watchlist's sources, extract, store, match, enqueue and deliver alerts.

One task per source (never per article) on a bounded thread pool, then one delivery task.
Runs every 10 minutes when deployed (prefect.yaml) and once from ``newswatch run``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from alerts.channels import build_channels
from core.errors import PipelineError
from core.settings import Settings
from core.watchlist import SourceSpec, Watchlist, load_watchlist
from flows.pipeline import (
    DeliveryReport,
    SourceOutcome,
    compile_watchlist_topics,
    deliver_due_alerts,
    ingest_source,
    sync_watchlist,
)
from flows.summary import RunSummary
from storage.engine import shared_engine

MAX_WORKERS = 4  # sources read at once; SQLite serialises the writes anyway


def _run_name() -> str:
    return f"ingest-{datetime.now(UTC):%Y-%m-%dT%H:%MZ}"


@task(name="ingest-source", cache_policy=NO_CACHE, task_run_name="ingest-source-{spec.name}")
def ingest_source_task(spec: SourceSpec, watchlist: Watchlist, settings: Settings) -> SourceOutcome:
    """Read, extract and store one source; a failing source is recorded, not raised."""
    engine = shared_engine(settings.database_url.get_secret_value())
    return ingest_source(engine, spec, watchlist, settings.story)


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts_task(watchlist: Watchlist, settings: Settings) -> DeliveryReport:
    """Send every due alert through the watchlist's channels."""
    engine = shared_engine(settings.database_url.get_secret_value())
    return deliver_due_alerts(engine, build_channels(watchlist.channels), settings.alerts)


@flow(
    name="ingest",
    flow_run_name=_run_name,
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS),  # type: ignore[arg-type]  # Prefect's generic
)
def ingest(watchlist_path: str | None = None) -> RunSummary:
    """Ingest every source of the watchlist once, then deliver due alerts."""
    started = time.monotonic()
    settings = Settings()
    watchlist = load_watchlist(Path(watchlist_path) if watchlist_path else settings.watchlist)
    compile_watchlist_topics(watchlist)  # a bad query stops the run before any work
    engine = shared_engine(settings.database_url.get_secret_value())
    sync_watchlist(engine, watchlist)
    futures = [ingest_source_task.submit(spec, watchlist, settings) for spec in watchlist.sources]
    outcomes = tuple(future.result() for future in futures)
    delivery = deliver_alerts_task(watchlist, settings)
    summary = RunSummary(outcomes, delivery, time.monotonic() - started)
    _publish(summary)
    _fail_if_nothing_worked(summary)
    return summary


def _publish(summary: RunSummary) -> None:
    get_run_logger().info(summary.headline())
    create_markdown_artifact(
        key="ingest-summary", markdown=summary.markdown(), description="What this run did"
    )
    create_table_artifact(
        key="ingest-new-articles", table=summary.article_rows(), description="Articles stored by this run"
    )


def _fail_if_nothing_worked(summary: RunSummary) -> None:
    """Every source failing ends the run in a Failed state, so Prefect's notifications fire."""
    if summary.outcomes and len(summary.failed_sources) == len(summary.outcomes):
        errors = "; ".join(f"{o.source}: {o.error}" for o in summary.failed_sources)
        raise PipelineError(f"every source failed: {errors}")
