"""The ``deliver-alerts`` flow: send every due alert of the outbox through its channel.

Deployed every minute (prefect.yaml) and also run as a task at the end of each ingest.
Overlapping runs are safe: alerts are claimed with a lease before they are sent.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from alerts.channels import build_channels, close_channels
from core.settings import Settings
from core.watchlist import Watchlist
from flows.prefect_secrets import read_watchlist
from flows.reporting import run_name
from pipeline.alerting import deliver_due_alerts
from pipeline.outcomes import DeliveryReport
from pipeline.rate_limit import shared_rate_limiter
from storage.engine import shared_engine


@task(name="deliver-alerts", cache_policy=NO_CACHE, task_run_name="deliver-alerts")
def deliver_alerts_task(watchlist: Watchlist, settings: Settings) -> DeliveryReport:
    """Send every due alert through the watchlist's channels."""
    engine = shared_engine(settings.database_url.get_secret_value())
    channels = build_channels(watchlist.channels, smtp=settings.smtp, limiter=shared_rate_limiter(engine))
    try:
        return deliver_due_alerts(engine, channels, settings.alerts)
    finally:
        close_channels(channels)


@flow(name="deliver-alerts", flow_run_name=run_name("deliver-alerts"))
def deliver_alerts(watchlist_path: str | None = None) -> DeliveryReport:
    """Deliver the outbox's due alerts once."""
    settings = Settings()
    watchlist = read_watchlist(Path(watchlist_path) if watchlist_path else settings.watchlist)
    report = deliver_alerts_task(watchlist, settings)
    line = f"{report.sent} sent, {report.retried} to retry, {report.dead} dead, {report.requeued} re-queued"
    get_run_logger().info(line)
    if report.sent or report.retried or report.dead:
        create_markdown_artifact(key="deliver-alerts-summary", markdown=f"# Alert delivery\n\n{line}.")
    return report
