"""``newswatch alerts list | retry | test``: the outbox as an operator sees and mends it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from alerts.channels import build_channels
from cli.main import app
from core.settings import AlertSettings
from core.watchlist import WebhookChannelSpec
from pipeline.alerting import deliver_due_alerts
from storage.models import Alert
from tests.alerts.conftest import NOW, Receiver, seed_alerts

TOKEN = "T0KEN-in-the-path-123456"


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")  # rich would otherwise cut the table to 80 columns


def _statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {alert.id: alert.status for alert in session.exec(select(Alert)).all() if alert.id}


def test_list_shows_dead_alerts_with_their_error_and_retry_requeues_them(
    engine: Engine, receiver: Receiver, cli_env: None
) -> None:
    url = receiver.on(f"/services/T1/B1/{TOKEN}", (404, {}, f"no_service {TOKEN}"), (200, {}, "ok"))
    first, second = seed_alerts(engine, stories=2, channels=("hook",))
    channels = build_channels({"hook": WebhookChannelSpec(url=url)})
    assert deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW).dead == 1
    runner = CliRunner()

    listed = runner.invoke(app, ["alerts", "list", "--status", "dead"])
    assert listed.exit_code == 0, listed.output
    assert "HTTP 404 no_service" in listed.output and "Lebanon ceasefire" in listed.output
    assert TOKEN not in listed.output  # the webhook's secret, echoed by the server, is masked
    assert runner.invoke(app, ["alerts", "list", "--status", "lost"]).exit_code == 2

    assert runner.invoke(app, ["alerts", "retry", "999999"]).exit_code == 1  # no such alert
    retried = runner.invoke(app, ["alerts", "retry", "--dead"])
    assert retried.exit_code == 0 and "1 alert(s) queued" in retried.output
    assert sorted(_statuses(engine).values()) == ["retry", "sent"]
    assert deliver_due_alerts(engine, channels, AlertSettings()).sent == 1  # due now, by the clock
    assert set(_statuses(engine).values()) == {"sent"}
    assert {body["alert_id"] for body in receiver.bodies()} == {first, second}


def test_test_sends_a_sample_through_one_channel_and_fails_loudly(
    receiver: Receiver, cli_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOD_HOOK", receiver.on("/good", (200, {}, "ok")))
    monkeypatch.setenv("GONE_HOOK", receiver.on(f"/gone/{TOKEN}", (410, {}, "channel_is_archived")))
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "channels:\n  good: {type: webhook, url: '${GOOD_HOOK}'}\n"
        "  gone: {type: slack, webhook_url: '${GONE_HOOK}'}\n"
    )
    runner = CliRunner()

    ok = runner.invoke(app, ["alerts", "test", "good", "-w", str(watchlist)])
    assert ok.exit_code == 0 and "good ok" in ok.output, ok.output
    [body] = receiver.bodies("/good")
    assert body["topic"] == "newswatch test" and "the channel works" in body["headline"]

    gone = runner.invoke(app, ["alerts", "test", "gone", "-w", str(watchlist)])
    assert gone.exit_code == 1 and "gone failed (http_410)" in gone.output and TOKEN not in gone.output
    missing = runner.invoke(app, ["alerts", "test", "nowhere", "-w", str(watchlist)])
    assert missing.exit_code == 2 and "good, gone" in missing.output
