"""E-mail through a real aiosmtpd server: header injection, HTML escaping, SMTP down,
per-recipient 451/550, a drop after the final dot, a tarpit greeting, Slack and e-mail
failing independently, and a digest as one message."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import build_channels
from alerts.smtp import EmailChannel
from core.errors import AlertDeliveryError
from core.records import AlertMessage, StoryArticle
from core.settings import AlertSettings, SmtpSettings
from core.watchlist import EmailChannelSpec, SlackChannelSpec
from pipeline.alerting import deliver_due_alerts
from storage.models import Alert
from tests.alerts.conftest import NOW, Inbox, Receiver, free_port, seed_alerts

SETTINGS = AlertSettings(backoff_base_seconds=1, backoff_max_seconds=1)
LATER = NOW + timedelta(seconds=5)


def _smtp(port: int, **extra: object) -> SmtpSettings:
    values: dict[str, object] = {"sender": "alerts@newswatch.example", "timeout_s": 2, **extra}
    return SmtpSettings(host="127.0.0.1", port=port, **values)


def _message(title: str, snippet: str = "") -> AlertMessage:
    report = StoryArticle(
        title,
        "https://news.example/1",
        "Wire",
        NOW,
        first_seen=NOW,
        link="https://news.example/1?a=1&b=<2>",
        snippet=snippet,
    )
    return AlertMessage(42, "Lebanon ceasefire", "mail", "story", 1, title, ("ceasefire",), (report,))


def test_a_hostile_subject_makes_one_encoded_header_and_no_extra_recipient(
    smtp_inbox: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_inbox
    spec = EmailChannelSpec(to=("desk@example.org",))
    title = "Truce\r\nBcc: victim@evil.example\rX-Evil: 1\0 — Liban cessez-le-feu é"
    reference = EmailChannel("mail", spec, _smtp(port)).send(_message(title))
    [(recipients, raw)] = inbox.messages
    assert recipients == ["desk@example.org"]
    assert raw.count(b"\nSubject:") + raw.startswith(b"Subject:") == 1
    header_lines = raw.split(b"\r\n\r\n")[0].lower().split(b"\r\n")
    assert not any(line.startswith((b"bcc:", b"x-evil:")) for line in header_lines)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "=?utf-8?" in raw.split(b"\r\n\r\n")[0].decode("ascii").lower()  # RFC 2047 for non-ASCII
    assert "\r" not in parsed["Subject"] and "\n" not in parsed["Subject"] and "\0" not in parsed["Subject"]
    assert parsed["Subject"].startswith("[newswatch] Lebanon ceasefire: Truce Bcc: victim@evil.example")
    assert parsed["Message-ID"] == "<newswatch.alert.42@newswatch.example>" == reference


def test_configured_headers_with_line_breaks_are_refused() -> None:
    spec = EmailChannelSpec(to=("desk@example.org\r\nBcc: x@evil.example",))
    with pytest.raises(AlertDeliveryError) as caught:
        EmailChannel("mail", spec, _smtp(1)).send(_message("t"))
    assert not caught.value.transient and caught.value.reason == "header_refused"


def test_html_is_escaped_and_both_parts_are_sent(smtp_inbox: tuple[Inbox, int]) -> None:
    inbox, port = smtp_inbox
    spec = EmailChannelSpec(to=("desk@example.org",), unsubscribe="mailto:unsubscribe@newswatch.example")
    title = '<script>alert(1)</script><img src=x onerror="steal()">'
    EmailChannel("mail", spec, _smtp(port)).send(_message(title, snippet="a ceasefire <b onerror=x>"))
    parsed = message_from_bytes(inbox.messages[0][1], policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    html_part, text_part = parsed.get_body(("html",)), parsed.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and 'onerror="' not in html and "<b onerror" not in html
    assert "<strong>ceasefire</strong>" in html
    assert 'href="https://news.example/1?a=1&amp;b=&lt;2&gt;"' in html
    assert title in text  # the plain part is plain text: shown as written
    assert parsed["List-Unsubscribe"] == "<mailto:unsubscribe@newswatch.example>"


@pytest.fixture
def tarpit() -> Iterator[int]:
    """Accepts connections and never sends the SMTP greeting."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_tarpit_greeting_times_out_as_not_sent(tarpit: int) -> None:
    channel = EmailChannel("mail", EmailChannelSpec(to=("a@example.org",)), _smtp(tarpit, timeout_s=0.3))
    with pytest.raises(AlertDeliveryError) as caught:
        channel.send(_message("t"))
    assert caught.value.transient and not caught.value.ambiguous


def test_smtp_down_is_retried_while_slack_is_delivered(engine: Engine, receiver: Receiver) -> None:
    url = receiver.on("/hook", (200, {}, "ok"))
    seed_alerts(engine, stories=1, channels=("mail", "slack"))
    specs = {
        "mail": EmailChannelSpec(to=("a@example.org",)),
        "slack": SlackChannelSpec(webhook_url=url, min_interval_s=0),
    }
    channels = build_channels(specs, smtp=_smtp(free_port()))  # nothing listens there
    report = deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: NOW)
    assert (report.sent, report.retried) == (1, 1) and len(receiver.received) == 1
    with Session(engine) as session:
        by_channel = {a.channel: a for a in session.exec(select(Alert)).all()}
    assert by_channel["slack"].status == "sent" and by_channel["mail"].status == "retry"
    assert "smtp_unavailable" in (by_channel["mail"].last_error or "")
    deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: LATER)
    assert len(receiver.received) == 1  # only the e-mail was tried again


def test_451_and_550_are_settled_per_recipient(engine: Engine, smtp_inbox: tuple[Inbox, int]) -> None:
    inbox, port = smtp_inbox
    inbox.rcpt = {"busy@example.org": "451 4.3.0 try later", "gone@example.org": "550 5.1.1 no such user"}
    [alert_id] = seed_alerts(engine, stories=1, channels=("mail",))
    to = ("ok@example.org", "busy@example.org", "gone@example.org")
    channels = build_channels({"mail": EmailChannelSpec(to=to)}, smtp=_smtp(port))
    assert deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: NOW).retried == 1
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.status == "retry"
        assert (
            alert.recipients["ok@example.org"] == "sent" and alert.recipients["busy@example.org"] == "retry"
        )
        assert alert.recipients["gone@example.org"].startswith("dead: 550")
    inbox.rcpt = {"gone@example.org": "550 5.1.1 no such user"}
    assert deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: LATER).sent == 1
    assert [recipients for recipients, _ in inbox.messages] == [["ok@example.org"], ["busy@example.org"]]
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.status == "sent" and alert.recipients["busy@example.org"] == "sent"
        assert alert.recipients["gone@example.org"].startswith("dead: 550")
    ids = {message_from_bytes(raw)["Message-ID"] for _, raw in inbox.messages}
    assert ids == {f"<newswatch.alert.{alert_id}@newswatch.example>"}  # the repeat folds in mail clients


def test_a_drop_after_the_final_dot_is_maybe_sent(engine: Engine, smtp_inbox: tuple[Inbox, int]) -> None:
    inbox, port = smtp_inbox
    inbox.data = ["drop"]
    [alert_id] = seed_alerts(engine, stories=1, channels=("mail",))
    channels = build_channels({"mail": EmailChannelSpec(to=("a@example.org",))}, smtp=_smtp(port))
    assert deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: NOW).retried == 1
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert (alert.status, alert.maybe_sent) == ("retry", True)
    assert deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: LATER).sent == 1
    assert len(inbox.messages) == 2  # the ambiguous one and one flagged retry
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        assert (alert.status, alert.maybe_sent) == ("sent", True)


def test_a_digest_goes_out_as_one_email_grouped_by_topic(
    engine: Engine, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_inbox
    digest = {"mode": "digest", "digest": {"every": "daily", "at": "08:00"}}
    seed_alerts(engine, stories=2, channels=("mail",), policy=digest)
    seed_alerts(engine, stories=1, channels=("mail",), topic="Gaza talks", policy=digest)
    channels = build_channels({"mail": EmailChannelSpec(to=("desk@example.org",))}, smtp=_smtp(port))
    slot = NOW.replace(hour=8, minute=0) + timedelta(days=1)
    assert deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: NOW).sent == 0  # held for 08:00
    assert deliver_due_alerts(engine, channels, SETTINGS, clock=lambda: slot).sent == 3
    [(_, raw)] = inbox.messages
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "[newswatch] digest: 3 new stories (Lebanon ceasefire, Gaza talks)"
    assert parsed["Message-ID"].startswith("<newswatch.digest.")
    html_part = parsed.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert html.count("<h2>") == 2 and "Story 0 &lt;!channel&gt;" in html and "<!channel>" not in html
