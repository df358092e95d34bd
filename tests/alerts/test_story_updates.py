"""A story that keeps growing after its alert went out: the pending alert names every report,
and once sent, crossing an outlet threshold brings one story update per threshold and channel,
no sooner than the topic's gap, threaded under the alert in e-mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.channels import build_channels
from alerts.slack import slack_payload
from core.errors import ConfigurationError
from core.records import AlertMessage, StoryArticle, TermHit, TopicHit
from core.settings import AlertSettings, SmtpSettings
from core.watchlist import EmailChannelSpec, WebhookChannelSpec, load_watchlist
from pipeline.alerting import deliver_due_alerts
from storage import catalog
from storage.engine import transaction
from storage.models import Alert, Story, id_of
from tests.alerts.conftest import NOW, Inbox, Receiver, seed_alerts, store_report

TOPIC = "Lebanon ceasefire"
HIT = TopicHit(TOPIC, (TermHit("Lebanon", "text", 1), TermHit("ceasefire", "text", 2)))


def _add_reports(engine: Engine, *outlets: str, at: datetime) -> None:
    """Later reports of the (only) story, from these outlets, stored as the pipeline stores them."""
    with transaction(engine) as session:
        source = catalog.upsert_source(
            session=session, name="s", kind="directory", location="/s", every_seconds=60
        )
        story = session.exec(select(Story)).one()
        for outlet in outlets:
            store_report(
                session,
                source_id=id_of(source),
                story=story,
                identity=f"later-{outlet}",
                title=f"{outlet} <!here> follows the truce",
                text="Lebanon ceasefire holds, says the outlet.",
                site_name=outlet,
                hit=HIT,
                now=at,
            )


def _alerts(engine: Engine) -> list[Alert]:
    with Session(engine) as session:
        return list(session.exec(select(Alert).order_by(col(Alert.id))).all())


def _deliver(engine: Engine, channels: dict, at: datetime) -> int:
    return deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: at).sent


def test_a_growing_story_gets_one_update_per_threshold_after_its_alert(
    engine: Engine, receiver: Receiver
) -> None:
    url = receiver.on("/hook", (200, {}, "ok"))
    channels = build_channels({"hook": WebhookChannelSpec(url=url)})
    seed_alerts(engine, stories=1, channels=("hook",), outlets=("Wire",))
    assert _deliver(engine, channels, NOW) == 1
    [alert] = _alerts(engine)
    assert (alert.kind, alert.outlets_shown) == ("story", 1)

    _add_reports(engine, "Daily", at=NOW + timedelta(minutes=5))  # 2 outlets: below the first threshold
    assert [a.kind for a in _alerts(engine)] == ["story"]
    _add_reports(engine, "Herald", at=NOW + timedelta(minutes=10))  # 3 outlets
    _add_reports(engine, "Times", at=NOW + timedelta(minutes=12))  # 4: the update on its way covers it
    assert [(a.kind, a.article_key, a.status) for a in _alerts(engine)] == [
        ("story", 0, "sent"),
        ("update", 3, "pending"),
    ]
    assert (
        _deliver(engine, channels, NOW + timedelta(minutes=20)) == 0
    )  # 30 min after the alert at the soonest
    assert _deliver(engine, channels, NOW + timedelta(minutes=30)) == 1
    update = receiver.bodies()[-1]
    assert update["kind"] == "update" and update["update"]["outlets"] == 4
    assert update["update"]["previous_outlets"] == 1 and update["update"]["follows_alert_id"] == alert.id
    assert [r["outlet"] for r in update["update"]["new_reports"]] == ["Daily", "Herald", "Times"]
    assert "now reported by 4 outlets" in update["text"] and "up from 1 at 09:12" in update["text"]

    _add_reports(engine, "Post", at=NOW + timedelta(minutes=40))  # 5 outlets: the next threshold
    _add_reports(engine, "Globe", "Courier", "Star", at=NOW + timedelta(minutes=41))  # 8: still 5's update
    assert [(a.kind, a.article_key) for a in _alerts(engine)][-1] == ("update", 5)
    assert len(_alerts(engine)) == 3
    assert _deliver(engine, channels, NOW + timedelta(hours=2)) == 1
    assert receiver.bodies()[-1]["update"]["previous_outlets"] == 4
    assert _deliver(engine, channels, NOW + timedelta(hours=3)) == 0
    assert len(receiver.bodies()) == 3  # the alert and two updates, each once


def test_an_alert_sent_late_names_every_report_and_updates_count_from_there(
    engine: Engine, receiver: Receiver
) -> None:
    url = receiver.on("/hook", (200, {}, "ok"))
    channels = build_channels({"hook": WebhookChannelSpec(url=url)})
    seed_alerts(engine, stories=1, channels=("hook",), outlets=("Wire",))
    _add_reports(engine, "Daily", "Herald", at=NOW + timedelta(minutes=1))  # before the alert went out
    assert [a.kind for a in _alerts(engine)] == ["story"]  # no update for a story nobody was told about
    assert _deliver(engine, channels, NOW + timedelta(minutes=2)) == 1
    [body] = receiver.bodies()
    assert len(body["reports"]) == 3 and body["story_line"].startswith("reported by 3 outlets")
    _add_reports(engine, "Times", at=NOW + timedelta(minutes=3))  # 4: threshold 3 was already shown
    assert [a.kind for a in _alerts(engine)] == ["story"]


def test_updates_can_be_turned_off(engine: Engine, receiver: Receiver) -> None:
    channels = build_channels({"hook": WebhookChannelSpec(url=receiver.on("/hook", (200, {}, "ok")))})
    seed_alerts(engine, stories=1, channels=("hook",), outlets=("Wire",), policy={"updates": False})
    _deliver(engine, channels, NOW)
    _add_reports(engine, "Daily", "Herald", "Times", "Post", at=NOW + timedelta(hours=1))
    assert [a.kind for a in _alerts(engine)] == ["story"]


def test_an_emailed_update_is_threaded_under_its_alert(engine: Engine, smtp_inbox: tuple[Inbox, int]) -> None:
    inbox, port = smtp_inbox
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="alerts@newswatch.example")
    channels = build_channels({"mail": EmailChannelSpec(to=("desk@example.org",))}, smtp=smtp)
    [alert_id] = seed_alerts(engine, stories=1, channels=("mail",), outlets=("Wire",))
    _deliver(engine, channels, NOW)
    _add_reports(engine, "Daily", "Herald", at=NOW + timedelta(minutes=5))
    assert _deliver(engine, channels, NOW + timedelta(hours=1)) == 1
    first, update = (message_from_bytes(raw, policy=policy.default) for _, raw in inbox.messages)
    assert update["In-Reply-To"] == update["References"] == first["Message-ID"]
    assert first["Message-ID"] == f"<newswatch.alert.{alert_id}@newswatch.example>"
    assert update["Message-ID"] != first["Message-ID"]
    assert "(update: 3 outlets)" in update["Subject"]
    html_part = update.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "story update" in html and "&lt;!here&gt;" in html and "<!here>" not in html


def test_a_slack_update_says_how_far_the_story_spread_with_text_escaped() -> None:
    first_seen = NOW + timedelta(hours=2)
    reports = (
        StoryArticle(
            "Truce holds",
            "https://wire.example/1",
            "Wire",
            NOW,
            first_seen=NOW,
            link="https://wire.example/1",
        ),
        StoryArticle(
            "Later <!channel>",
            "https://www.daily.example/2",
            None,
            None,
            first_seen=first_seen,
            link="https://www.daily.example/2",
        ),
        StoryArticle("Also <@U1>", "/saved/3.txt", "Herald & Co", None, first_seen=first_seen),
    )
    message = AlertMessage(
        9,
        TOPIC,
        "desk",
        "update",
        1,
        "Truce holds",
        ("truce",),
        reports,
        follows=4,
        shown_outlets=1,
        shown_at=NOW,
    )
    payload = slack_payload(message, "Asia/Beirut")
    text = str(payload["blocks"][1:])
    assert payload["blocks"][0]["text"]["text"] == f"{TOPIC} · story update"
    assert "now reported by 3 outlets since 11:12; up from 1 at 11:12" in text
    assert "Later &lt;!channel&gt;" in text and "(daily.example)" in text and "Herald &amp; Co" in text
    assert "<!channel>" not in text and "<@U1>" not in text
    assert payload["text"].endswith("(now 3 outlets)")


@pytest.mark.parametrize(
    ("alert", "error"),
    [
        ("{mode: per-article, updates: {outlets: [3]}, channels: [c]}", "per-story and burst"),
        ("{updates: {outlets: [5, 3]}, channels: [c]}", "increasing"),
        ("{updates: {outlets: [3], min_gap: soon}, channels: [c]}", "not a duration"),
    ],
)
def test_update_settings_are_checked_when_the_watchlist_loads(tmp_path: Path, alert: str, error: str) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        f"topics:\n  - name: T\n    query: x\n    alert: {alert}\nchannels:\n  c: {{type: console}}\n"
    )
    with pytest.raises(ConfigurationError, match=error):
        load_watchlist(path, environ={})


def test_updates_are_on_by_default_and_false_turns_them_off(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        "topics:\n  - {name: A, query: x}\n  - {name: B, query: y, alert: {updates: false}}\n"
        "  - {name: C, query: z, alert: {mode: per-article}}\n"
    )
    a, b, c = load_watchlist(path, environ={}).topics
    assert a.alert.sends_updates and a.alert.updates.outlets == (3, 5, 10, 20)
    assert not b.alert.sends_updates and not c.alert.sends_updates
