"""The ``maintenance`` flow: weekly retention of data no longer needed, and database upkeep."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from core.settings import Settings
from flows.reporting import run_name
from storage.engine import shared_engine, transaction
from storage.maintenance import prune, tidy
from storage.models import utcnow


@flow(name="maintenance", flow_run_name=run_name("maintenance"))
def maintenance(retention_days: int = 90) -> str:
    """Prune what is older than ``retention_days`` and tidy the database; returns a one-line report."""
    engine = shared_engine(Settings().database_url.get_secret_value())
    with transaction(engine) as session:
        pruned = prune(session=session, older_than=utcnow() - timedelta(days=retention_days))
    upkeep = tidy(engine)
    report = (
        f"removed {pruned.resolved_failures} resolved failure(s), dropped clustering vectors of "
        f"{pruned.article_vectors} article(s) older than {retention_days} days; {upkeep}"
    )
    get_run_logger().info(report)
    create_markdown_artifact(key="maintenance-report", markdown=f"# Maintenance\n\n{report}.")
    return report
