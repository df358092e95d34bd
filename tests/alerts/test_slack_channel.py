"""Slack through a real loopback receiver: escaping of control sequences, retries after a 500, 429
and the rate limit, permanent errors and the ambiguous timeout."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.channels import build_channels
from alerts.posting import MemorySlots, RateLimiter
from alerts.slack import SlackChannel, slack_escape, slack_payload
from core.dates import parse_retry_after
from core.errors import AlertDeliveryError
from core.records import AlertMessage, StoryArticle
from core.settings import AlertSettings
from core.watchlist import SlackChannelSpec
from pipeline.alerting import deliver_due_alerts
from storage.models import Alert
from tests.alerts.conftest import NOW, Receiver, seed_alerts

HOSTILE = "Hezbollah <!channel> <!here> <@U1> <https://evil.example|Bank> &lt; & done"


def _message(title: str = HOSTILE, snippet: str = "The Lebanon cease-fire <!here> holds") -> AlertMessage:
    report = StoryArticle(
        title,
        "https://news.example/a?x=1&y=2",
        "Wire <b>",
        NOW,
        first_seen=NOW,
        link="https://news.example/a?x=1&y=2",
        snippet=snippet,
    )
    other = StoryArticle("Second <@U2>", "/saved/2.txt", "Other", None, first_seen=NOW + timedelta(hours=1))
    return AlertMessage(
        7, "Lebanon <ceasefire>", "desk", "story", 3, title, ("Lebanon", "ceasefire"), (report, other)
    )


def _texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _mrkdwn(payload: dict[str, Any]) -> str:
    """Everything Slack parses for control sequences: ``text`` and every mrkdwn element
    (plain_text, as in the header, is always shown literally)."""
    found = [payload["text"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload["blocks"])
    return "\n".join(found)


def test_slack_control_sequences_arrive_as_literal_text_escaped_exactly_once() -> None:
    payload = slack_payload(_message(), "Asia/Beirut")
    dumped = _mrkdwn(payload)
    assert payload["blocks"][0]["text"]["type"] == "plain_text"
    for live in (
        "<!channel>",
        "<!here>",
        "<@U1>",
        "<@U2>",
        "<https://evil.example|Bank>",
        "<b>",
        "<ceasefire>",
    ):
        assert live not in dumped
    assert "&lt;!channel&gt;" in dumped and "&lt;@U1&gt;" in dumped
    assert "&amp;lt;" in dumped and "&amp;amp;" not in dumped  # "&lt;" in the headline: escaped once
    assert slack_escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


def test_slack_blocks_show_link_outlet_local_time_bold_terms_and_story_line() -> None:
    payload = slack_payload(
        _message(title="Truce holds", snippet="The Lebanon cease-fire holds"), "Asia/Beirut"
    )
    dumped = _texts(payload)
    assert payload["blocks"][0]["type"] == "header" and "Lebanon" in payload["blocks"][0]["text"]["text"]
    assert "*<https://news.example/a?x=1&amp;y=2|Truce holds>*" in dumped
    assert "2024-11-01 11:12 EET" in dumped  # 09:12 UTC in Beirut
    assert "*Lebanon* *cease-fire* holds" in dumped
    assert "reported by 2 outlets since 11:12" in dumped


def test_a_500_is_retried_with_backoff_then_sent_once(engine: Engine, receiver: Receiver) -> None:
    url = receiver.on("/hook", (500, {}, "oops"), (200, {}, "ok"))
    [alert_id] = seed_alerts(engine, stories=1, channels=("desk",))
    channels = build_channels({"desk": SlackChannelSpec(webhook_url=url, min_interval_s=0)})
    first = deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW)
    assert (first.sent, first.retried) == (0, 1)
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert (
            alert.status == "retry" and alert.next_attempt_at > NOW and "HTTP 500" in (alert.last_error or "")
        )
        due = alert.next_attempt_at
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW).sent == 0  # not due yet
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: due).sent == 1
    assert len(receiver.bodies("/hook")) == 2
    with Session(engine) as session:
        assert session.get_one(Alert, alert_id).status == "sent"


@pytest.mark.parametrize(
    ("status", "body"), [(404, "no_service"), (410, "channel_is_archived"), (400, "invalid_payload")]
)
def test_permanent_slack_errors_are_dead_after_one_try(
    engine: Engine, receiver: Receiver, status: int, body: str
) -> None:
    url = receiver.on("/hook", (status, {}, body))
    [alert_id] = seed_alerts(engine, stories=1, channels=("desk",))
    channels = build_channels({"desk": SlackChannelSpec(webhook_url=url, min_interval_s=0)})
    report = deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW)
    assert report.dead == 1 and len(receiver.received) == 1
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.status == "dead" and f"HTTP {status} {body}" in (alert.last_error or "")


def test_a_429_is_retried_no_sooner_than_retry_after(engine: Engine, receiver: Receiver) -> None:
    url = receiver.on("/hook", (429, {"Retry-After": "3"}, "rate_limited"), (200, {}, "ok"))
    [alert_id] = seed_alerts(engine, stories=1, channels=("desk",))
    channels = build_channels({"desk": SlackChannelSpec(webhook_url=url, min_interval_s=0)})
    settings = AlertSettings(backoff_base_seconds=1)
    assert deliver_due_alerts(engine, channels, settings, clock=lambda: NOW).retried == 1
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.next_attempt_at >= NOW + timedelta(seconds=3)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after("120") == 120.0


def test_a_burst_to_one_webhook_is_spaced_by_the_rate_limit(receiver: Receiver) -> None:
    url = receiver.on("/hook", (200, {}, "ok"))
    channel = SlackChannel(
        "desk", SlackChannelSpec(webhook_url=url, min_interval_s=0.2), limiter=RateLimiter()
    )
    for _ in range(5):
        channel.send(_message())
    channel.close()
    times = [r.at for r in receiver.received]
    assert len(times) == 5
    # 5 messages at most one per 0.2 s span at least 0.8 s (less the receiver's own scheduling jitter)
    assert times[-1] - times[0] >= 0.7


def test_the_rate_limiter_waits_for_a_slot_and_requeues_beyond_its_patience() -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(MemorySlots(clock=lambda: clock[0]), sleep=sleep, max_wait_s=5)
    for _ in range(3):
        limiter.acquire("hook", 1.0, channel="desk")
    assert slept == [1.0, 1.0]  # 3 messages, 1 per second
    limiter.defer("hook", 3)  # Slack said 429 Retry-After: 3
    limiter.acquire("hook", 1.0, channel="desk")
    assert slept[-1] == pytest.approx(3.0)
    limiter.defer("hook", 60)
    with pytest.raises(AlertDeliveryError) as caught:
        limiter.acquire("hook", 1.0, channel="desk")
    assert caught.value.transient and caught.value.retry_after_s == pytest.approx(60)


def test_a_hang_after_the_request_is_maybe_sent_and_retried_at_most_once(
    engine: Engine, receiver: Receiver
) -> None:
    url = receiver.on("/hook", ("hang", 1.5))
    [alert_id] = seed_alerts(engine, stories=1, channels=("desk",))
    client = httpx.Client(timeout=httpx.Timeout(0.5, connect=2))
    channels = build_channels({"desk": SlackChannelSpec(webhook_url=url, min_interval_s=0)}, client=client)
    settings = AlertSettings(backoff_base_seconds=1, backoff_max_seconds=1)
    assert deliver_due_alerts(engine, channels, settings, clock=lambda: NOW).retried == 1
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert (alert.status, alert.maybe_sent) == ("retry", True)
        assert "ambiguous" in (alert.last_error or "")
    later = NOW + timedelta(seconds=5)
    assert deliver_due_alerts(engine, channels, settings, clock=lambda: later).dead == 1
    assert len(receiver.received) == 2  # the original and exactly one retry
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert (alert.status, alert.maybe_sent) == ("dead", True)
    client.close()


def test_an_at_most_once_channel_never_retries_an_ambiguous_send(engine: Engine, receiver: Receiver) -> None:
    url = receiver.on("/hook", ("hang", 1.5))
    [alert_id] = seed_alerts(engine, stories=1, channels=("desk",))
    client = httpx.Client(timeout=httpx.Timeout(0.5, connect=2))
    spec = SlackChannelSpec(webhook_url=url, min_interval_s=0, at_most_once=True)
    report = deliver_due_alerts(
        engine, build_channels({"desk": spec}, client=client), AlertSettings(), clock=lambda: NOW
    )
    assert report.dead == 1 and len(receiver.received) == 1
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.maybe_sent and "at-most-once" in (alert.last_error or "")
    client.close()
