"""What a run leaves behind in Prefect: artifacts with stable keys, and an event per topic match.

Stable keys make the Artifacts page keep a history per key; the events let users build
Automations ("when newswatch.topic.matched for Lebanon ceasefire, page me").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.redaction import redact
from pipeline.summary import RunSummary
from storage.catalog import list_sources

SUMMARY_KEY = "ingest-summary"
ARTICLES_KEY = "ingest-new-articles"
HEALTH_KEY = "source-health"
MATCH_EVENT = "newswatch.topic.matched"


def publish_ingest_artifacts(summary: RunSummary, engine: Engine) -> None:
    """The run's summary, its new articles and the health of every source, as artifacts.

    Errors are shown with secrets masked (R9): an error may quote a URL or a connection string.
    """
    summary_text = redact(summary.markdown())
    create_markdown_artifact(key=SUMMARY_KEY, markdown=summary_text, description="What this run did")
    create_table_artifact(
        key=ARTICLES_KEY, table=summary.article_rows(), description="Articles stored by this run"
    )
    create_table_artifact(
        key=HEALTH_KEY, table=source_health_rows(engine), description="Health of every source"
    )


def source_health_rows(engine: Engine) -> list[dict[str, str]]:
    """One row per source: status, last success, consecutive failures, last error, next poll."""
    with Session(engine) as session:
        sources = list_sources(session=session)
    return [
        {
            "source": source.name,
            "status": source.last_status or "never polled",
            "last success": _iso(source.last_success_at),
            "consecutive failures": str(source.consecutive_failures),
            "last error": redact(source.last_error or ""),
            "next poll": _iso(source.next_poll_at),
        }
        for source in sources
    ]


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


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else ""
