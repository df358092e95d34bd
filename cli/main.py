"""``newswatch``: run the pipeline, upgrade the database, look at what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import flows  # noqa: F401  (switches Prefect telemetry off before anything imports Prefect)
from core.errors import ConfigurationError
from core.settings import Settings
from core.watchlist import load_watchlist
from flows.pipeline import compile_watchlist_topics
from flows.summary import RunSummary
from storage.engine import describe_url, make_engine, migrate
from storage.models import Alert, Article, IngestFailure, Source, Topic

app = typer.Typer(help="newswatch: news ingestion and topic alerts.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
sources_app = typer.Typer(help="Sources and their health.", no_args_is_help=True)
alerts_app = typer.Typer(help="The alert outbox.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sources_app, name="sources")
app.add_typer(alerts_app, name="alerts")
console = Console()

WatchlistOption = Annotated[
    Path | None,
    typer.Option(
        "--watchlist", "-w", help="Watchlist YAML (default: NEWSWATCH_WATCHLIST or samples/watchlist.yaml)."
    ),
]


@app.command()
def run(watchlist: WatchlistOption = None) -> None:
    """Ingest every source of the watchlist once, then deliver due alerts."""
    from flows.ingest import ingest

    settings = Settings()
    path = watchlist or settings.watchlist
    database = describe_url(settings.database_url.get_secret_value())
    console.print(f"[bold]newswatch[/] ingesting [cyan]{path}[/] into {database}")
    try:
        compile_watchlist_topics(load_watchlist(path))  # fail fast, before Prefect starts
        summary = ingest(watchlist_path=str(path))
    except ConfigurationError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    _print_summary(summary)


def _print_summary(summary: RunSummary) -> None:
    table = Table(title="New articles", show_lines=False)
    for column in ("title", "published", "story", "topics"):
        table.add_column(column)
    for article in summary.new_articles:
        published = f"{article.published:%Y-%m-%d}" if article.published else "-"
        table.add_row(article.title, published, str(article.story_id), ", ".join(article.topics) or "-")
    console.print(table)
    for outcome in summary.outcomes:
        for failure in outcome.failures:
            console.print(f"[yellow]skipped[/] {failure.location}: {failure.reason} ({failure.message})")
        if outcome.error:
            console.print(f"[red]source {outcome.source} failed[/]: {outcome.error}")
    console.print(f"[bold green]done[/] {summary.headline()} in {summary.seconds:.1f} s")


def _engine() -> Engine:
    engine = make_engine(Settings().database_url.get_secret_value())
    migrate(engine)
    return engine


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations (also done automatically on every run)."""
    url = Settings().database_url.get_secret_value()
    migrate(make_engine(url))
    console.print(f"database at {describe_url(url)} is up to date")


@sources_app.command("list")
def sources_list() -> None:
    """Each source with its last attempt, status, failures and next poll."""
    table = Table(title="Sources")
    for column in (
        "name",
        "kind",
        "status",
        "last attempt",
        "failures in a row",
        "next poll",
        "open item failures",
    ):
        table.add_column(column)
    with Session(_engine()) as session:
        for source in session.exec(select(Source).order_by(col(Source.name))).all():
            open_failures = session.exec(
                select(IngestFailure).where(
                    IngestFailure.source_id == source.id, col(IngestFailure.resolved_at).is_(None)
                )
            ).all()
            table.add_row(
                source.name,
                source.kind,
                source.last_status or "never run",
                _when(source.last_attempt_at),
                str(source.consecutive_failures),
                _when(source.next_poll_at),
                "\n".join(f"{Path(f.location).name}: {f.reason}" for f in open_failures) or "-",
            )
    console.print(table)


@alerts_app.command("list")
def alerts_list(
    status: Annotated[str | None, typer.Option(help="Only alerts in this status.")] = None,
) -> None:
    """The outbox, newest first."""
    table = Table(title="Alerts")
    for column in ("id", "topic", "story", "channel", "status", "attempts", "sent", "last error"):
        table.add_column(column)
    with Session(_engine()) as session:
        query = (
            select(Alert, Topic.name)
            .join(Topic, col(Topic.id) == col(Alert.topic_id))
            .order_by(col(Alert.id).desc())
        )
        if status:
            query = query.where(Alert.status == status)
        for alert, topic in session.exec(query).all():
            table.add_row(
                str(alert.id),
                topic,
                str(alert.story_id),
                alert.channel,
                alert.status,
                str(alert.attempts),
                _when(alert.sent_at),
                alert.last_error or "",
            )
    console.print(table)


@app.command("articles")
def articles_list(limit: Annotated[int, typer.Option(help="How many to show.")] = 20) -> None:
    """The most recently stored articles."""
    table = Table(title="Articles")
    for column in ("id", "title", "published", "lang", "words", "story"):
        table.add_column(column)
    with Session(_engine()) as session:
        rows = session.exec(select(Article).order_by(col(Article.id).desc()).limit(limit)).all()
        for a in rows:
            title = a.title + (" (derived)" if a.title_derived else "")
            table.add_row(
                str(a.id), title, _when(a.published_at), a.language or "-", str(a.word_count), str(a.story_id)
            )
    console.print(table)


def _when(moment: object) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"
