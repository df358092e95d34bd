"""The ``maintenance`` flow: weekly retention of data no longer needed, and database upkeep."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from core.settings import Settings
from flows.reporting import run_name
from pipeline.maintenance import maintain


@flow(name="maintenance", flow_run_name=run_name("maintenance"))
def maintenance(retention_days: int = 90) -> str:
    """Prune what is older than ``retention_days`` and tidy the database; returns a one-line report."""
    report = maintain(Settings().database_url, retention_days)
    get_run_logger().info(report)
    create_markdown_artifact(key="maintenance-report", markdown=f"# Maintenance\n\n{report}.")
    return report
