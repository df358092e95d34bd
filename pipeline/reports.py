"""What an ingest run shows a person: its summary, its new articles and every source's health.

Plain text and rows, with secrets masked: an error may quote a URL or a connection string.
flows/reporting.py publishes them as Prefect artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.redaction import redact
from pipeline.summary import RunSummary
from storage.catalog import list_sources


@dataclass(frozen=True, slots=True)
class IngestReport:
    """An ingest run as the UI shows it: summary (Markdown), new articles and source health (rows)."""

    markdown: str
    articles: list[dict[str, str]]
    health: list[dict[str, str]]


def ingest_report(summary: RunSummary, engine: Engine) -> IngestReport:
    """The run's summary and new articles, and the health of every source now."""
    return IngestReport(redact(summary.markdown()), summary.article_rows(), source_health_rows(engine))


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


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else ""
