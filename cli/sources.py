"""``newswatch sources …``: sources, their health, and a one-off check of one source."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from alerts.redaction import redact
from cli.common import console, open_engine, when
from core.errors import ConfigurationError, FetchError
from core.records import SourceRead
from core.settings import Settings
from core.watchlist import SourceSpec
from flows.prefect_secrets import read_watchlist
from pipeline.extraction import extract_all
from pipeline.opml import export_opml, import_opml
from pipeline.reading import read_source
from storage.models import IngestFailure, Source

sources_app = typer.Typer(help="Sources and their health.", no_args_is_help=True)


@sources_app.command("list")
def sources_list() -> None:
    """Each source with its last attempt, status, error class, failures and next poll."""
    table = Table(title="Sources")
    for column in (
        "name",
        "kind",
        "status",
        "last attempt",
        "error",
        "http",
        "failures in a row",
        "next poll",
        "open item failures",
    ):
        table.add_column(column)
    with Session(open_engine()) as session:
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
                when(source.last_attempt_at),
                source.last_error_class or "-",
                str(source.last_http_status or "-"),
                str(source.consecutive_failures),
                when(source.next_poll_at),
                "\n".join(f"{redact(Path(f.location).name)}: {f.reason}" for f in open_failures) or "-",
            )
    console.print(table)


WatchlistOption = Annotated[Path | None, typer.Option("--watchlist", "-w", help="Watchlist YAML.")]


@sources_app.command("check")
def sources_check(
    name: Annotated[str, typer.Argument(help="The source's name in the watchlist.")],
    watchlist: WatchlistOption = None,
    fresh: Annotated[bool, typer.Option(help="Ignore the stored cursor (ETag, seen entries).")] = False,
) -> None:
    """Fetch one source once, as the next run would, and explain what it saw; stores nothing."""
    settings = Settings()
    try:
        spec = _spec(read_watchlist(watchlist or settings.watchlist).sources, name)
    except ConfigurationError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    cursor = {} if fresh else _stored_cursor(name)
    console.print(f"[bold]{spec.name}[/] ({spec.kind}) {redact(str(spec.location))}")
    try:
        read = read_source(spec, cursor, settings.http)
    except FetchError as exc:
        status = f" (HTTP {exc.status_code})" if exc.status_code else ""
        hint = f"; the server asks to wait {exc.retry_after_s:.0f} s" if exc.retry_after_s else ""
        console.print(f"[red]failed[/]: {exc.reason}{status}: {redact(str(exc))}{hint}")
        raise typer.Exit(1) from exc
    _explain(read)


def _spec(sources: tuple[SourceSpec, ...], name: str) -> SourceSpec:
    for spec in sources:
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in sources) or "none"
    raise ConfigurationError(f"no source named {name!r} in the watchlist (known: {known})")


def _stored_cursor(name: str) -> dict[str, Any]:
    with Session(open_engine()) as session:
        state = session.exec(select(Source.state).where(Source.name == name)).first()
    return dict(state or {})


def _explain(read: SourceRead) -> None:
    fetch = read.cursor.get("fetch")
    if isinstance(fetch, dict):
        console.print(
            f"HTTP {fetch.get('status')} in {fetch.get('duration_s')} s, {fetch.get('bytes')} bytes"
            + (" (body unchanged)" if fetch.get("unchanged_body") else "")
            + (f", parser warning: {fetch['warning']}" if fetch.get("warning") else "")
        )
    if read.cursor.get("etag_broken"):
        console.print("[yellow]the server's ETag stays the same while the body changes: not trusted[/]")
    console.print(f"{len(read.documents)} new item(s), {read.unchanged} already seen or unchanged")
    extracted, failures = extract_all(read.documents)
    table = Table(title="What the next run would store")
    for column in ("title", "location", "text from", "published", "words"):
        table.add_column(column)
    for article in extracted:
        published = f"{article.published:%Y-%m-%d %H:%M}" if article.published else "-"
        table.add_row(
            article.title or "-",
            redact(article.location),
            article.text_source,
            f"{published} ({article.published_source or '-'})",
            str(article.word_count),
        )
    console.print(table)
    for failure in (*read.failures, *failures):
        console.print(
            f"[yellow]skipped[/] {redact(failure.location)}: {failure.reason} ({redact(failure.message)})"
        )


@sources_app.command("import")
def sources_import(
    opml: Annotated[Path, typer.Argument(help="An OPML file, as feed readers export it.")],
    watchlist: WatchlistOption = None,
) -> None:
    """Add the feeds of an OPML file to the watchlist, keeping the file's comments and layout.

    Nested folders are read; a feed already in the watchlist (or twice in the file) is skipped;
    each new source is named from its title.

    Example: newswatch sources import subscriptions.opml -w watchlist.yaml
    """
    path = watchlist or Settings().watchlist
    try:
        result = import_opml(opml, path)
    except ConfigurationError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    for name, url in result.added:
        console.print(f"[green]added[/] {name}: {redact(url)}")
    for url, why in result.skipped:
        console.print(f"[yellow]skipped[/] {redact(url)}: {why}")
    console.print(f"{len(result.added)} source(s) added to {path}, {len(result.skipped)} skipped")


@sources_app.command("export")
def sources_export(
    watchlist: WatchlistOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")] = (
        None
    ),
) -> None:
    """Write the watchlist's feed sources as OPML 2.0 (URLs as written: ${VAR} stays a reference).

    Example: newswatch sources export -w watchlist.yaml -o subscriptions.opml
    """
    try:
        document = export_opml(watchlist or Settings().watchlist)
    except ConfigurationError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    if output is None:
        sys.stdout.write(document.decode("utf-8"))
    else:
        output.write_bytes(document)
