"""A delivering process that dies (``os._exit(137)``, as SIGKILL would leave it) at a named step.

    python -m tests.alerts.crash_worker DATABASE_URL WEBHOOK_URL STEP

Steps: ``before_commit`` (inside the transaction that stores the match and enqueues),
``after_enqueue`` (committed, nothing claimed), ``after_claim`` (claimed, nothing sent),
``after_accept`` (the receiver answered 200, nothing recorded), ``none`` (no crash).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from sqlalchemy.engine import Engine

from alerts.channels import AlertChannel, build_channels
from core.records import AlertMessage, TermHit, TopicHit
from core.settings import Settings
from core.watchlist import WebhookChannelSpec
from pipeline.alerting import deliver_due_alerts
from storage import articles, catalog, outbox
from storage.engine import make_engine, migrate, transaction
from storage.models import id_of, utcnow
from tests.alerts.conftest import store_report

TOPIC = "Lebanon ceasefire"


def store_reports(engine: Engine) -> None:
    """Store two reports of one story and their matches, enqueueing alerts in the same transaction
    (as the pipeline's storing step does); a rerun finds them stored and adds nothing."""
    now = utcnow()
    with transaction(engine) as session:
        source = catalog.upsert_source(
            session=session, name="inbox", kind="directory", location="/in", every_seconds=60
        )
        topic = catalog.upsert_topic(
            session=session, name=TOPIC, query="x", mode="per-story", channels=["hook"]
        )
        outbox.set_topic_policy(session=session, topic=topic, policy={"channels": ["hook"]})
        if articles.find_duplicate(session=session, identity="report-0", content_hash="report-0"):
            return
        story = articles.create_story(
            session=session, title="US asks Lebanon for a ceasefire", title_derived=False, now=now
        )
        hit = TopicHit(TOPIC, (TermHit("Lebanon", "text", 0), TermHit("ceasefire", "text", 1)))
        for n in range(2):
            store_report(
                session,
                source_id=id_of(source),
                story=story,
                identity=f"report-{n}",
                title=f"Report {n}",
                text="Lebanon ceasefire",
                hit=hit,
                now=now,
            )


def channel_specs(url: str) -> dict[str, WebhookChannelSpec]:
    """The one webhook channel both runs deliver through."""
    return {"hook": WebhookChannelSpec(url=url)}


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


def main(database_url: str, url: str, step: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    if step == "before_commit":
        original = outbox.enqueue_alert

        def enqueue_then_die(**kwargs: Any) -> bool:
            original(**kwargs)
            os._exit(137)

        outbox.enqueue_alert = enqueue_then_die
    store_reports(engine)
    if step == "after_enqueue":
        os._exit(137)
    channels = {name: _Crashing(c, step) for name, c in build_channels(channel_specs(url)).items()}
    deliver_due_alerts(engine, channels, Settings(_env_file=None).alerts)


if __name__ == "__main__":
    main(*sys.argv[1:4])
