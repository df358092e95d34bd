"""The ``digest`` flow: once a day, deliver the alerts held for digests and summarise the day.

Deployed daily at a local time set in prefect.yaml (cron and timezone). Topics in ``digest``
mode hold their alerts for the next digest slot; this run sends whatever is due, then leaves a
``daily-digest`` artifact: every topic's stories of the last 24 hours, for the UI
(pipeline/digest.py).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from core.settings import Settings
from flows.deliver import deliver_alerts_task
from flows.prefect_secrets import read_watchlist
from flows.reporting import run_name
from pipeline.alerting import DeliveryJob
from pipeline.digest import digest_markdown, topic_stories


@flow(name="digest", flow_run_name=run_name("digest"))
def digest(watchlist_path: str | None = None, hours: int = 24) -> str:
    """Deliver due digest alerts, then publish the last ``hours`` of matches per topic."""
    settings = Settings()
    watchlist = read_watchlist(Path(watchlist_path) if watchlist_path else settings.watchlist)
    report = deliver_alerts_task(DeliveryJob.of(watchlist, settings))
    stories = topic_stories(settings.database_url, hours)
    markdown = digest_markdown(stories, hours)
    create_markdown_artifact(
        key="daily-digest", markdown=markdown, description=f"Matches of the last {hours} h"
    )
    get_run_logger().info("digest: %d story(ies) matched; %d alert(s) sent", len(stories), report.sent)
    return markdown
