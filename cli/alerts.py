"""``newswatch alerts …``: the alert outbox — list it, retry alerts, and test a channel's wiring."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from alerts.channels import build_channels, close_channels
from alerts.redaction import redact
from cli.common import console, open_engine, when
from core.errors import AlertDeliveryError, ConfigurationError
from core.records import AlertMessage, StoryArticle
from core.settings import Settings
from flows.prefect_secrets import read_watchlist
from pipeline.rate_limit import shared_rate_limiter
from storage import outbox
from storage.engine import transaction
from storage.models import utcnow

alerts_app = typer.Typer(help="The alert outbox.", no_args_is_help=True)


@alerts_app.command("list")
def alerts_list(
    status: Annotated[
        str | None, typer.Option(help=f"Only alerts in this status ({', '.join(outbox.STATUSES)}).")
    ] = None,
) -> None:
    """The outbox, newest first."""
    if status and status not in outbox.STATUSES:
        console.print(f"[red]unknown status {status!r}[/]: use one of {', '.join(outbox.STATUSES)}")
        raise typer.Exit(2)
    table = Table(title="Alerts")
    for column in (
        "id",
        "topic",
        "story",
        "channel",
        "kind",
        "status",
        "tries",
        "sent",
        "flags",
        "last error",
    ):
        table.add_column(column)
    with Session(open_engine()) as session:
        for alert, topic in outbox.list_alerts(session=session, status=status):
            flags = ["maybe sent"] if alert.maybe_sent else []
            if alert.digest_at and alert.status == "pending":
                flags.append(f"digest {when(alert.digest_at)}")
            flags += [f"{r}: {s}" for r, s in alert.recipients.items() if s != "sent"]
            table.add_row(
                str(alert.id),
                topic,
                str(alert.story_id),
                alert.channel,
                alert.kind,
                alert.status,
                str(alert.attempts),
                when(alert.sent_at),
                "; ".join(flags),
                redact(alert.last_error or ""),
            )
    console.print(table)


@alerts_app.command("retry")
def alerts_retry(
    alert_id: Annotated[int | None, typer.Argument(help="The alert to send again.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead alert.")] = False,
) -> None:
    """Make a dead (or waiting) alert due now, with a fresh attempt count; the next run sends it."""
    if (alert_id is None) == (not dead):
        console.print("[red]give an alert id or --dead[/]")
        raise typer.Exit(2)
    with transaction(open_engine()) as session:
        count = outbox.requeue_alerts(session=session, now=utcnow(), alert_id=alert_id, dead=dead)
    console.print(f"{count} alert(s) queued for the next delivery")
    if alert_id is not None and count == 0:
        raise typer.Exit(1)


def sample_message(channel: str) -> AlertMessage:
    """A harmless sample alert that proves a channel's wiring."""
    now = datetime.now(UTC)
    report = StoryArticle(
        "newswatch test alert: the channel works",
        "https://example.org/newswatch-test",
        "newswatch",
        now,
        first_seen=now,
        link="https://example.org/newswatch-test",
        snippet="This is a test message sent by `newswatch alerts test`; no story matched.",
    )
    return AlertMessage(0, "newswatch test", channel, "story", 0, report.title, ("test",), (report,))


@alerts_app.command("test")
def alerts_test(
    channel: Annotated[str, typer.Argument(help="A channel name from the watchlist.")],
    watchlist: Annotated[Path | None, typer.Option("--watchlist", "-w", help="Watchlist YAML.")] = None,
) -> None:
    """Send a sample alert through one channel now (not through the outbox)."""
    settings = Settings()
    try:
        specs = read_watchlist(watchlist or settings.watchlist).channels
    except ConfigurationError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    if channel not in specs:
        console.print(f"[red]no channel {channel!r}[/]; the watchlist has: {', '.join(specs)}")
        raise typer.Exit(2)
    limiter = shared_rate_limiter(open_engine())  # a test message keeps to the webhook's rate too
    channels = build_channels({channel: specs[channel]}, smtp=settings.smtp, limiter=limiter)
    try:
        reference = channels[channel].send(sample_message(channel))
    except AlertDeliveryError as exc:
        console.print(f"[red]{channel} failed[/] ({exc.reason}): {redact(str(exc))}")
        raise typer.Exit(1) from exc
    finally:
        close_channels(channels)
    console.print(f"[green]{channel} ok[/]" + (f" ({reference})" if reference else ""))
