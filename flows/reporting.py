"""What a run leaves behind in Prefect: artifacts with stable keys, and an event per topic match.

Stable keys make the Artifacts page keep a history per key; the events let users build
Automations ("when newswatch.topic.matched for Lebanon ceasefire, page me"). What the artifacts
say is made in pipeline/reports.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from pipeline.reports import IngestReport
from pipeline.summary import RunSummary

SUMMARY_KEY = "ingest-summary"
ARTICLES_KEY = "ingest-new-articles"
HEALTH_KEY = "source-health"
MATCH_EVENT = "newswatch.topic.matched"


def publish_ingest_artifacts(report: IngestReport) -> None:
    """The run's summary, its new articles and the health of every source, as artifacts."""
    create_markdown_artifact(key=SUMMARY_KEY, markdown=report.markdown, description="What this run did")
    create_table_artifact(key=ARTICLES_KEY, table=report.articles, description="Articles stored by this run")
    create_table_artifact(key=HEALTH_KEY, table=report.health, description="Health of every source")


def emit_match_events(summary: RunSummary) -> int:
    """One ``newswatch.topic.matched`` event per (article, topic); returns how many were emitted."""
    emitted = 0
    for article in summary.matched_articles:
        for topic in article.topics:
            emit_event(
                event=MATCH_EVENT,
                resource={
                    "prefect.resource.id": f"newswatch.topic.{slug(topic)}",
                    "prefect.resource.name": topic,
                },
                related=[
                    {
                        "prefect.resource.id": f"newswatch.story.{article.story_id}",
                        "prefect.resource.role": "story",
                        "prefect.resource.name": article.title,
                    }
                ],
                payload={"title": article.title, "location": article.location, "story_id": article.story_id},
            )
            emitted += 1
    return emitted


def run_name(flow: str) -> Callable[[], str]:
    """Names runs after what they are and when they started: ``ingest-2026-11-22T10:10Z``."""

    def name() -> str:
        return f"{flow}-{datetime.now(UTC):%Y-%m-%dT%H:%MZ}"

    return name


def slug(name: str) -> str:
    """``Lebanon ceasefire`` → ``lebanon-ceasefire``, for resource ids."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "topic"
