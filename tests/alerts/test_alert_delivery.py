"""The outbox under load and in every mode, on SQLite and PostgreSQL: four dispatchers send each
alert once, 500 matches at once lose none, per-article, digest, burst and quiet hours, and
secrets kept out of logs and stored errors."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import build_channels
from alerts.policy import next_digest_at, quiet_until
from alerts.redaction import install_redaction, redact
from core.settings import AlertSettings, SmtpSettings
from core.watchlist import AppriseChannelSpec, DigestSchedule, QuietHours, WebhookChannelSpec
from pipeline.alerting import deliver_due_alerts
from storage import catalog
from storage.engine import make_engine, transaction
from storage.models import Alert
from tests.alerts.conftest import NOW, Receiver, seed_alerts


def _hook(receiver: Receiver, path: str = "/hook", **extra: object) -> dict[str, WebhookChannelSpec]:
    return {"hook": WebhookChannelSpec(url=receiver.on(path, (200, {}, "ok")), **extra)}


def _alerts(engine: Engine) -> list[Alert]:
    with Session(engine) as session:
        return list(session.exec(select(Alert).order_by(Alert.id)).all())


def test_four_dispatchers_send_each_alert_exactly_once(
    engine: Engine, database_url: str, receiver: Receiver
) -> None:
    ids = seed_alerts(engine, stories=60, channels=("hook",))
    settings = AlertSettings(batch_size=5)
    barrier = threading.Barrier(4)
    reports = []

    def dispatcher() -> None:
        own = make_engine(database_url)
        channels = build_channels(_hook(receiver))
        barrier.wait()
        reports.append(deliver_due_alerts(own, channels, settings, clock=lambda: NOW))
        own.dispose()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = Counter(body["alert_id"] for body in receiver.bodies())
    assert sorted(counts) == ids and set(counts.values()) == {1}
    assert sum(r.sent for r in reports) == 60
    assert {a.status for a in _alerts(engine)} == {"sent"}


def test_five_hundred_matches_at_once_are_all_delivered(engine: Engine, receiver: Receiver) -> None:
    ids = seed_alerts(engine, stories=500, channels=("hook",))
    report = deliver_due_alerts(
        engine, build_channels(_hook(receiver)), AlertSettings(batch_size=50), clock=lambda: NOW
    )
    assert report.sent == 500 and sorted(b["alert_id"] for b in receiver.bodies()) == ids


def test_per_article_mode_alerts_once_per_report_and_per_story_once_per_story(engine: Engine) -> None:
    per_article = seed_alerts(
        engine, stories=2, channels=("hook",), policy={"mode": "per-article"}, outlets=("A", "B", "C")
    )
    assert len(per_article) == 6
    assert {a.kind for a in _alerts(engine)} == {"article"} and len(
        {a.article_key for a in _alerts(engine)}
    ) == 6
    seed_alerts(engine, stories=2, channels=("other",), topic="Second", outlets=("A", "B", "C"))
    assert [a.kind for a in _alerts(engine)].count("story") == 2


def test_per_article_alert_leads_with_its_own_report(engine: Engine, receiver: Receiver) -> None:
    seed_alerts(engine, stories=1, channels=("hook",), policy={"mode": "per-article"}, outlets=("A", "B"))
    deliver_due_alerts(engine, build_channels(_hook(receiver)), AlertSettings(), clock=lambda: NOW)
    heads = sorted(body["headline"] for body in receiver.bodies())
    assert heads == ["Report 0 by A", "Report 0 by B"]
    assert all(body["reports"][0]["title"] == body["headline"] for body in receiver.bodies())


def test_burst_mode_alerts_once_when_enough_outlets_report_the_story(engine: Engine) -> None:
    burst = {"mode": "burst", "burst": {"outlets": 3, "hours": 6}}
    assert seed_alerts(engine, stories=1, channels=("hook",), policy=burst, outlets=("A", "B")) == []
    seed_alerts(
        engine, stories=1, channels=("hook",), topic="Wide", policy=burst, outlets=("A", "B", "C", "D")
    )
    assert [(a.kind, a.channel) for a in _alerts(engine)] == [("burst", "hook")]


def test_digest_mode_holds_alerts_and_sends_one_grouped_message(engine: Engine, receiver: Receiver) -> None:
    digest = {"mode": "digest", "digest": {"every": "daily", "at": "08:00", "timezone": "Asia/Beirut"}}
    seed_alerts(engine, stories=3, channels=("hook",), policy=digest)
    seed_alerts(engine, stories=2, channels=("hook",), topic="Other topic", policy=digest)
    channels = build_channels(_hook(receiver))
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW).sent == 0
    slot = datetime(2024, 11, 2, 6, 0, tzinfo=UTC)  # 08:00 in Beirut, the next morning
    assert {a.digest_at for a in _alerts(engine)} == {slot}
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: slot).sent == 5
    [body] = receiver.bodies()
    assert body["kind"] == "digest" and len(body["items"]) == 5
    assert [item["topic"] for item in body["items"]].count("Other topic") == 2
    assert "[Lebanon ceasefire]" in body["text"] and "[Other topic]" in body["text"]


def test_quiet_hours_hold_alerts_for_a_digest_at_their_end(engine: Engine, receiver: Receiver) -> None:
    seed_alerts(engine, stories=2, channels=("hook",))
    quiet = QuietHours(start="22:00", end="07:00")
    channels = build_channels(_hook(receiver, quiet_hours=quiet, timezone="Europe/Berlin"))
    night = datetime(2024, 11, 1, 23, 30, tzinfo=UTC)  # 00:30 in Berlin
    report = deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: night)
    assert (report.sent, report.held) == (0, 2) and receiver.received == []
    morning = datetime(2024, 11, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    assert {(a.status, a.digest_at, a.attempts) for a in _alerts(engine)} == {("pending", morning, 0)}
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: morning).sent == 2
    [body] = receiver.bodies()
    assert body["kind"] == "digest" and len(body["items"]) == 2


def test_schedules_and_quiet_windows_in_local_time() -> None:
    daily = DigestSchedule(every="daily", at="08:00", timezone="Europe/Berlin")
    assert next_digest_at(daily, datetime(2024, 11, 1, 6, 59, tzinfo=UTC)) == datetime(
        2024, 11, 1, 7, 0, tzinfo=UTC
    )
    assert next_digest_at(daily, datetime(2024, 11, 1, 7, 0, tzinfo=UTC)) == datetime(
        2024, 11, 2, 7, 0, tzinfo=UTC
    )
    hourly = DigestSchedule(every="hourly", at="00:15")
    assert next_digest_at(hourly, datetime(2024, 11, 1, 9, 20, tzinfo=UTC)) == datetime(
        2024, 11, 1, 10, 15, tzinfo=UTC
    )
    quiet = QuietHours(start="22:00", end="07:00")
    assert quiet_until(quiet, "UTC", datetime(2024, 11, 1, 12, 0, tzinfo=UTC)) is None
    assert quiet_until(quiet, "UTC", datetime(2024, 11, 1, 3, 0, tzinfo=UTC)) == datetime(
        2024, 11, 1, 7, tzinfo=UTC
    )


def test_secrets_never_reach_logs_or_stored_errors(
    engine: Engine, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    token = "xoxb-SECRET-TOKEN-123456"
    secret_url = receiver.on(f"/services/T000/B000/{token}", (500, {}, f"echo {token}"))
    seed_alerts(engine, stories=1, channels=("hook",))
    smtp = SmtpSettings(password="smtp-pass-987654")
    channels = build_channels(
        {"hook": WebhookChannelSpec(url=secret_url, headers={"Authorization": f"Bearer {token}"})}, smtp=smtp
    )
    with caplog.at_level(logging.DEBUG):
        deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW)
        with httpx.Client() as client:  # httpx logs the full URL at INFO
            client.post(secret_url, json={})
        logging.getLogger("alerts.test").error("connecting to %s", "postgresql://nw:db-pass-4242@db/news")
        logging.getLogger("alerts.test").info("smtp login with %s", "smtp-pass-987654")
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST" in logged  # httpx's line was there, redacted
    for secret in (token, "smtp-pass-987654", "db-pass-4242"):
        assert secret not in logged
    [alert] = _alerts(engine)
    assert "HTTP 500" in (alert.last_error or "") and token not in (alert.last_error or "")
    install_redaction(["another-secret-value"])
    assert redact("https://hooks.slack.com/services/T1/B2/abc and another-secret-value") == (
        "https://hooks.slack.com/services/*** and ***"
    )


def test_source_errors_in_the_health_artifact_are_masked(engine: Engine) -> None:
    from pipeline.reports import source_health_rows

    error = "fetch_failed: https://hooks.slack.com/services/T1/B2/artifact-secret via postgresql://nw:db-pw-777@db/n"
    with transaction(engine) as session:
        source = catalog.upsert_source(session=session, name="s", kind="feed", location="x", every_seconds=60)
        catalog.record_source_failure(session=session, source=source, now=NOW, error=error, error_class="x")
    [row] = source_health_rows(engine)
    assert "artifact-secret" not in row["last error"] and "db-pw-777" not in row["last error"]
    assert row["last error"].startswith("fetch_failed: https://hooks.slack.com/services/***")


def test_an_apprise_url_delivers_through_apprise(engine: Engine, receiver: Receiver) -> None:
    receiver.on("/apprise", (200, {}, "ok"))
    target = receiver.url.replace("http://", "json://") + "/apprise"
    seed_alerts(engine, stories=1, channels=("phone",))
    channels = build_channels({"phone": AppriseChannelSpec(url=target)})
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW).sent == 1
    [body] = receiver.bodies("/apprise")
    assert body["title"].startswith("Lebanon ceasefire: Story 0") and "matched: Lebanon" in body["message"]
