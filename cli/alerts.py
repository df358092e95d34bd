"""``newswatch alerts …``: the alert outbox."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from cli.common import console, open_engine, when
from storage.models import Alert, Topic

alerts_app = typer.Typer(help="The alert outbox.", no_args_is_help=True)


@alerts_app.command("list")
def alerts_list(
    status: Annotated[str | None, typer.Option(help="Only alerts in this status.")] = None,
) -> None:
    """The outbox, newest first."""
    table = Table(title="Alerts")
    for column in ("id", "topic", "story", "channel", "status", "attempts", "sent", "last error"):
        table.add_column(column)
    with Session(open_engine()) as session:
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
                when(alert.sent_at),
                alert.last_error or "",
            )
    console.print(table)
