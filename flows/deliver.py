"""The ``deliver-alerts`` flow: send every due alert of the outbox through its channel.

Deployed every minute (prefect.yaml) and also run as a task at the end of each ingest.
Overlapping runs are safe: alerts are claimed with a lease before they are sent.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from core.settings import Settings
from flows.prefect_secrets import read_watchlist
from flows.reporting import run_name
from pipeline.alerting import DeliveryJob, deliver_job
from pipeline.outcomes import DeliveryReport


@task(name="deliver-alerts", task_run_name="deliver-alerts")
def deliver_alerts_task(job: DeliveryJob) -> DeliveryReport:
    """Send every due alert through the watchlist's channels."""
    return deliver_job(job)


@flow(name="deliver-alerts", flow_run_name=run_name("deliver-alerts"))
def deliver_alerts(watchlist_path: str | None = None) -> DeliveryReport:
    """Deliver the outbox's due alerts once."""
    settings = Settings()
    watchlist = read_watchlist(Path(watchlist_path) if watchlist_path else settings.watchlist)
    report = deliver_alerts_task(DeliveryJob.of(watchlist, settings))
    line = report.line()
    get_run_logger().info(line)
    if report.sent or report.retried or report.dead:
        create_markdown_artifact(key="deliver-alerts-summary", markdown=f"# Alert delivery\n\n{line}.")
    return report
