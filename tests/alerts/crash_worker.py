"""A delivering process that dies (``os._exit(137)``, as SIGKILL would leave it) at a named step.

    python -m tests.alerts.crash_worker DATABASE_URL INBOX WEBHOOK_URL STEP

Steps: ``before_commit`` (inside the transaction that stores the match and enqueues),
``after_enqueue`` (committed, nothing claimed), ``after_claim`` (claimed, nothing sent),
``after_accept`` (the receiver answered 200, nothing recorded), ``none`` (no crash).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from alerts.channels import AlertChannel, build_channels
from core.records import AlertMessage
from core.settings import Settings
from core.watchlist import AlertPolicy, SourceSpec, TopicSpec, Watchlist, WebhookChannelSpec
from flows.pipeline import deliver_due_alerts, ingest_source, sync_watchlist
from storage import outbox
from storage.engine import make_engine, migrate

QUERY = '(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce OR "Resolution 1701")'


def watchlist(inbox: Path, url: str) -> Watchlist:
    """The watchlist both runs use: one folder, one topic, one webhook channel."""
    return Watchlist(
        sources=(SourceSpec(name="inbox", directory=inbox),),
        topics=(TopicSpec(name="Lebanon ceasefire", query=QUERY, alert=AlertPolicy(channels=("hook",))),),
        channels={"hook": WebhookChannelSpec(url=url)},
    )


class _Crashing:
    """Wraps a real channel and kills the process before or after it sends."""

    def __init__(self, channel: AlertChannel, step: str) -> None:
        self.name, self._channel, self._step = channel.name, channel, step

    def send(self, message: AlertMessage) -> str | None:
        if self._step == "after_claim":
            os._exit(137)
        reference = self._channel.send(message)
        if self._step == "after_accept":
            os._exit(137)
        return reference


def main(database_url: str, inbox: str, url: str, step: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    settings = Settings(_env_file=None)
    listed = watchlist(Path(inbox), url)
    sync_watchlist(engine, listed)
    if step == "before_commit":
        original = outbox.enqueue_alert

        def enqueue_then_die(**kwargs: Any) -> bool:
            original(**kwargs)
            os._exit(137)

        outbox.enqueue_alert = enqueue_then_die  # type: ignore[assignment]
    for spec in listed.sources:
        ingest_source(engine, spec, listed, settings.story)
    if step == "after_enqueue":
        os._exit(137)
    channels = {name: _Crashing(c, step) for name, c in build_channels(listed.channels).items()}
    deliver_due_alerts(engine, channels, settings.alerts)


if __name__ == "__main__":
    main(*sys.argv[1:5])
