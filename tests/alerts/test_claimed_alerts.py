"""storage/ reads what the messages of a batch of claimed alerts are made of in one query;
alerts/ makes the messages (every report of the story, oldest first, with its snippet)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.messages import alert_message
from storage import outbox
from storage.engine import transaction
from storage.models import Alert
from tests.alerts.conftest import NOW, seed_alerts


@contextmanager
def counted_selects(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _claim(engine: Engine) -> list[int]:
    with transaction(engine) as session:
        return outbox.claim_alerts(session=session, now=NOW, lease=timedelta(minutes=2), limit=100)


def test_a_batch_of_alerts_is_read_in_one_query_and_names_every_report(engine: Engine) -> None:
    seed_alerts(engine, stories=3, channels=("desk", "mail"), outlets=("Wire", "Daily", "Herald"))
    claimed = _claim(engine)
    assert len(claimed) == 6
    with Session(engine) as session, counted_selects(engine) as selects:
        alerts = outbox.claimed_alerts(session=session, alert_ids=claimed)
    assert len(selects) == 1
    assert [a.alert_id for a in alerts] == claimed and {a.channel for a in alerts} == {"desk", "mail"}
    for alert in alerts:
        message = alert_message(alert)
        assert message.matched_terms == ("Lebanon", "ceasefire")
        assert [a.site_name for a in message.articles] == ["Wire", "Daily", "Herald"]
        assert all("Lebanon cease-fire" in a.snippet for a in message.articles)
        assert message.outlets == 3 and message.follows is None


def test_a_story_update_also_reads_what_its_channel_was_told_before(engine: Engine) -> None:
    [first] = seed_alerts(engine, stories=1, channels=("desk",), outlets=("Wire",))
    _claim(engine)
    with transaction(engine) as session:
        outbox.settle_alert(session=session, alert_id=first, status="sent", now=NOW, outlets_shown=1)
        [story] = outbox.claimed_alerts(session=session, alert_ids=[first])
        outbox.enqueue_alert(
            session=session,
            topic_id=session.get_one(Alert, first).topic_id,
            story_id=story.story_id,
            article_id=story.article_id,
            channel="desk",
            kind="update",
            now=NOW,
            article_key=3,
        )
    [update] = _claim(engine)
    with Session(engine) as session, counted_selects(engine) as selects:
        [claimed] = outbox.claimed_alerts(session=session, alert_ids=[update])
    assert len(selects) == 2  # the batch, and what the updated channels were sent before
    message = alert_message(claimed)
    assert (message.kind, message.follows, message.shown_outlets) == ("update", first, 1)
    assert message.shown_at is not None
