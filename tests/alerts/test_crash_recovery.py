"""Kill the delivering process at each step (before commit, after commit, after the claim, after
the provider's answer) and check, with a second run, that every alert was sent exactly once, or
at most twice and flagged ``maybe_sent`` when the receiver had already accepted it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import build_channels
from core.settings import Settings
from pipeline.alerting import deliver_due_alerts
from storage.models import Alert, Article, Story, utcnow
from tests.alerts.conftest import Receiver
from tests.alerts.crash_worker import channel_specs, store_reports
from tests.conftest import ROOT

# step -> (articles after the crash, alerts after the crash, messages the receiver gets in all, maybe_sent)
EXPECTED = {
    "before_commit": (0, 0, 1, False),
    "after_enqueue": (2, 1, 1, False),
    "after_claim": (2, 1, 1, True),  # re-queued by the sweep: flagged, though nothing went out
    "after_accept": (2, 1, 2, True),  # the one ambiguous window: one duplicate, flagged
}


@pytest.mark.parametrize("step", list(EXPECTED))
def test_a_killed_delivery_is_recovered_by_the_next_run(
    step: str, engine: Engine, database_url: str, receiver: Receiver
) -> None:
    url = receiver.on("/hook", (200, {}, "ok"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "tests.alerts.crash_worker", database_url, url, step],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 137, done.stderr[-2000:]
    articles, alerts, messages, maybe_sent = EXPECTED[step]
    with Session(engine) as session:
        assert len(session.exec(select(Article)).all()) == articles
        assert len(session.exec(select(Alert)).all()) == alerts

    settings = Settings(_env_file=None)
    store_reports(engine)  # the next run: stores (or finds) the reports, then delivers
    after_lease = utcnow() + timedelta(seconds=settings.alerts.lease_seconds + 1)
    deliver_due_alerts(engine, build_channels(channel_specs(url)), settings.alerts, clock=lambda: after_lease)

    with Session(engine) as session:
        [alert] = session.exec(select(Alert)).all()
        assert (alert.status, alert.maybe_sent) == ("sent", maybe_sent)
        assert len(session.exec(select(Article)).all()) == 2
        [story] = session.exec(select(Story)).all()
        assert story.article_count == 2  # the rerun found both reports and counted none twice
    bodies = receiver.bodies("/hook")
    assert len(bodies) == messages and {b["alert_id"] for b in bodies} == {alert.id}
    assert [b["maybe_duplicate"] for b in bodies] == [step == "after_claim"] + [True] * (messages - 1)
    assert [r["title"] for r in bodies[-1]["reports"]] == ["Report 0", "Report 1"]  # names both reports
