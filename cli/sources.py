"""``newswatch sources …``: sources and their health."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from cli.common import console, open_engine, when
from storage.models import IngestFailure, Source

sources_app = typer.Typer(help="Sources and their health.", no_args_is_help=True)


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
                str(source.consecutive_failures),
                when(source.next_poll_at),
                "\n".join(f"{Path(f.location).name}: {f.reason}" for f in open_failures) or "-",
            )
    console.print(table)
