"""``newswatch``: run the pipeline, upgrade the database, look at what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import flows  # noqa: F401  (switches Prefect telemetry off before anything imports Prefect)
from cli.alerts import alerts_app
from cli.articles import articles_list
from cli.common import console
from cli.sources import sources_app
from cli.topics import topics_app
from core.errors import ConfigurationError, PipelineError
from core.settings import Settings
from flows.prefect_secrets import read_watchlist
from pipeline.summary import RunSummary
from pipeline.watchlist import compile_watchlist_topics
from storage.engine import describe_url, make_engine, migrate

app = typer.Typer(help="newswatch: news ingestion and topic alerts.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sources_app, name="sources")
app.add_typer(alerts_app, name="alerts")
app.add_typer(topics_app, name="topics")
app.command("articles")(articles_list)

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
        compile_watchlist_topics(read_watchlist(path))  # fail fast, before the flow starts
        summary = ingest(watchlist_path=str(path), only_due=False)
    except ConfigurationError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    except PipelineError as exc:  # every source failed, or storage did: the flow run is Failed
        console.print(f"[red]run failed ({exc.reason}):[/] {exc}")
        raise typer.Exit(1) from exc
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


@app.command()
def serve() -> None:
    """Run every deployment of prefect.yaml on its schedule in this process (Ctrl-C to stop)."""
    from flows.serve import serve_all

    console.print("[bold]newswatch serve[/]: serving the deployments of prefect.yaml on their schedules")
    serve_all()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations (also done automatically on every run)."""
    url = Settings().database_url.get_secret_value()
    migrate(make_engine(url))
    console.print(f"database at {describe_url(url)} is up to date")
