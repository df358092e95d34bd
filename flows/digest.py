"""The ``digest`` flow: once a day, deliver the alerts held for digests and summarise the day.

Deployed daily at a local time set in prefect.yaml (cron and timezone). Topics in ``digest``
mode hold their alerts for the next digest slot; this run sends whatever is due, then leaves a
``daily-digest`` artifact: every topic's stories of the last 24 hours, for the UI.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from sqlmodel import Session

from core.settings import Settings
from flows.deliver import deliver_alerts_task
from flows.prefect_secrets import read_watchlist
from flows.reporting import run_name
from storage.engine import shared_engine
from storage.models import utcnow
from storage.reports import TopicStory, topic_stories_since


@flow(name="digest", flow_run_name=run_name("digest"))
def digest(watchlist_path: str | None = None, hours: int = 24) -> str:
    """Deliver due digest alerts, then publish the last ``hours`` of matches per topic."""
    settings = Settings()
    watchlist = read_watchlist(Path(watchlist_path) if watchlist_path else settings.watchlist)
    report = deliver_alerts_task(watchlist, settings)
    engine = shared_engine(settings.database_url.get_secret_value())
    with Session(engine) as session:
        stories = topic_stories_since(session=session, since=utcnow() - timedelta(hours=hours))
    markdown = digest_markdown(stories, hours)
    create_markdown_artifact(
        key="daily-digest", markdown=markdown, description=f"Matches of the last {hours} h"
    )
    get_run_logger().info("digest: %d story(ies) matched; %d alert(s) sent", len(stories), report.sent)
    return markdown


def digest_markdown(stories: list[TopicStory], hours: int) -> str:
    """Topics as headings, each with its stories of the period and how many reports matched."""
    lines = [f"# Digest: the last {hours} hours\n"]
    if not stories:
        return lines[0] + "\nNo new report matched a topic."
    current = None
    for story in stories:
        if story.topic != current:
            current = story.topic
            lines.append(f"\n## {current}\n")
        plural = "report" if story.reports == 1 else "reports"
        lines.append(
            f"- **{story.title}** — {story.reports} {plural} (first {story.first_match:%Y-%m-%d %H:%M} UTC)"
        )
    return "\n".join(lines)
