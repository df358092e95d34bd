"""What an alert says matched, and where its snippet is cut (issue 15, items 8 and 9): the words
the report matched as it writes them, escaped for Slack; the snippet around the body's first match."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.messages import alert_message
from alerts.render import render_text
from alerts.slack import slack_payload
from core.records import AlertMessage
from storage import articles, catalog, outbox
from storage.engine import transaction
from storage.models import id_of
from tests.alerts.conftest import NOW, store_report
from topics.matcher import compile_topics

QUERY = '("electric vehicle*" OR ceasefire OR zika) AND negotiat*'
FILLER = "Markets were calm on Tuesday and the weather stayed mild across the region. " * 8
TEXT = FILLER + "Officials said negotiations on Electric Vehicles subsidies resumed after the cease-fire."


def _alert(engine: Engine, *, title: str, text: str) -> AlertMessage:
    [hit] = compile_topics([("EV", QUERY)]).match(title=title, text=text)
    with transaction(engine) as session:
        source = catalog.upsert_source(session=session, name="s", kind="feed", location="x", every_seconds=60)
        topic = catalog.upsert_topic(
            session=session, name="EV", query=QUERY, mode="per-story", channels=("d",)
        )
        outbox.set_topic_policy(session=session, topic=topic, policy={"channels": ["d"]})
        story = articles.create_story(session=session, title=title, title_derived=False, now=NOW)
        store_report(
            session,
            source_id=id_of(source),
            story=story,
            identity="a",
            title=title,
            text=text,
            hit=hit,
            now=NOW,
        )
    with transaction(engine) as session:
        ids = outbox.claim_alerts(session=session, now=NOW, lease=timedelta(minutes=2), limit=10)
    with Session(engine) as session:
        [claimed] = outbox.claimed_alerts(session=session, alert_ids=ids)
    return alert_message(claimed)


def test_matched_shows_the_words_found_as_the_article_writes_them(engine: Engine) -> None:
    message = _alert(engine, title="Subsidy talks", text=TEXT)
    assert message.matched_terms == ("Electric Vehicles", "cease-fire", "negotiations")
    assert "matched: Electric Vehicles, cease-fire, negotiations" in render_text(message)


def test_slack_shows_matched_words_as_clean_bold_mrkdwn(engine: Engine) -> None:
    message = _alert(engine, title="Subsidy talks", text=TEXT)
    context = [
        e["text"] for b in slack_payload(message)["blocks"] if b["type"] == "context" for e in b["elements"]
    ]
    [matched] = [text for text in context if text.startswith("matched:")]
    assert matched == "matched: *Electric Vehicles*, *cease-fire*, *negotiations*"
    assert "**" not in matched and "zika" not in matched


def test_the_snippet_is_cut_around_the_first_match_in_the_body(engine: Engine) -> None:
    message = _alert(engine, title="Electric vehicle negotiations", text=TEXT)
    lead = message.articles[0].snippet
    assert "negotiations on Electric Vehicles" in lead and lead.startswith("…")
    section = slack_payload(message)["blocks"][1]["text"]["text"]
    assert "*negotiations* on *Electric Vehicles*" in section
