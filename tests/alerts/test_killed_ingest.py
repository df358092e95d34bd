"""An ingest process killed with SIGKILL while it fetches is recovered by the next run: the
source it was fetching is polled again at once (its lease named a process that is gone), every
alert goes out exactly once and none is left in ``sending``. Also: leases of live holders are
kept, and a working run renews its lease."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from pipeline.leasing import lease_kept
from storage import catalog, leases
from storage.engine import transaction
from storage.models import Alert, Source, id_of, utcnow
from tests.alerts.conftest import Receiver
from tests.conftest import ROOT, SEED_000, SEED_001
from tests.sources.hostile import HostileServer, Request, reply

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>wire-1</guid><title>Israel and Hezbollah ceasefire holds in south Lebanon</title>
<link>https://wire.example/ceasefire-holds</link><pubDate>Thu, 28 Nov 2024 10:00:00 GMT</pubDate>
<description>The ceasefire between Israel and Hezbollah held for a second day in south Lebanon on
Thursday, as displaced families drove back to villages near the border and the Lebanese army
began to deploy under Resolution 1701. Officials in Beirut said the truce was fragile but holding,
and that monitors would meet again next week to review reports of violations.</description></item>
</channel></rss>"""
HOLD = """
import sys, time
from storage.engine import make_engine
from storage.engine import transaction
from storage import leases
from datetime import timedelta
from storage.models import utcnow
with transaction(make_engine(sys.argv[1])) as session:
    owner = leases.lease_owner("ingest")
    leases.claim_sources(session=session, names=["wire"], owner=owner, now=utcnow(),
                         lease=timedelta(minutes=15), only_due=False)
print(owner, flush=True)
time.sleep(600)
"""


@pytest.fixture
def stalling_feed() -> Iterator[tuple[HostileServer, threading.Event]]:
    """A feed server whose ``/feed.xml`` takes the request and never answers (until re-scripted)."""
    server, asked = HostileServer(), threading.Event()

    async def stall(request: Request, writer: asyncio.StreamWriter) -> None:
        asked.set()
        await asyncio.sleep(3600)

    server.routes["/feed.xml"] = stall
    server.start()
    yield server, asked
    server.stop()


def _watchlist(tmp_path: Path, feed_url: str) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in (SEED_000, SEED_001):
        shutil.copy(seed, folder / seed.name)
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        f"""sources:
  - {{name: saved, directory: {folder}}}
  - {{name: wire, feed: '{feed_url}', robots: ignore, fetch_articles: false}}
topics:
  - name: Lebanon ceasefire
    query: '(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce OR "Resolution 1701")'
    alert: {{channels: [hook]}}
channels:
  hook: {{type: webhook, url: '${{HOOK}}'}}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def prefect_api_url() -> Iterator[str]:
    """One temporary Prefect API for this module; the killed run reaches it through PREFECT_API_URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.mark.prefect
def test_an_ingest_killed_mid_fetch_is_recovered_by_the_next_run(
    engine: Engine,
    database_url: str,
    receiver: Receiver,
    stalling_feed: tuple[HostileServer, threading.Event],
    prefect_api_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, asked = stalling_feed
    watchlist = _watchlist(tmp_path, server.url("/feed.xml"))
    env = {
        "NEWSWATCH_DATABASE_URL": database_url,
        "NEWSWATCH_HTTP__ALLOW": json.dumps([f"127.0.0.1:{server.port}"]),
        "HOOK": receiver.on("/hook", (200, {}, "ok")),
    }
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    child = subprocess.Popen(
        [str(Path(sys.executable).with_name("newswatch")), "run", "-w", str(watchlist)],
        cwd=ROOT,
        env={**child_env, **env, "PREFECT_API_URL": prefect_api_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    while not asked.is_set():  # the run is fetching the feed now
        assert child.poll() is None, child.stderr.read().decode()[-3000:] if child.stderr else ""
        assert time.monotonic() < deadline, "the ingest never fetched the feed"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    with Session(engine) as session:
        wire = session.exec(select(Source).where(Source.name == "wire")).one()
        assert wire.lease_owner and wire.lease_until and wire.lease_until > utcnow()  # still leased
        assert receiver.received == []  # it died before delivering anything

    server.routes["/feed.xml"] = reply(FEED, content_type="application/rss+xml")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    second = CliRunner().invoke(app, ["run", "-w", str(watchlist)])

    assert second.exit_code == 0, second.output
    assert server.hits("/feed.xml") == 2  # polled again by the very next run, not 2 minutes later
    with Session(engine) as session:
        wire = session.exec(select(Source).where(Source.name == "wire")).one()
        alerts = session.exec(select(Alert)).all()
    assert (wire.last_status, wire.lease_owner) == ("ok", None)
    assert alerts and {a.status for a in alerts} == {"sent"}  # none stuck in sending, none lost
    delivered = Counter(body["alert_id"] for body in receiver.bodies("/hook"))
    assert sorted(delivered) == sorted(id_of(a) for a in alerts) and set(delivered.values()) == {1}
    named = [report["title"] for body in receiver.bodies("/hook") for report in body["reports"]]
    assert "Israel and Hezbollah ceasefire holds in south Lebanon" in named  # the feed's report arrived
    assert sum("unilateral ceasefire" in title for title in named) >= 1  # and the seed story's


def _source(engine: Engine, name: str = "wire") -> None:
    with transaction(engine) as session:
        catalog.upsert_source(
            session=session, name=name, kind="feed", location="https://x", every_seconds=600
        )


def _claim(engine: Engine, owner: str) -> list[str]:
    with transaction(engine) as session:
        return leases.claim_sources(
            session=session,
            names=["wire"],
            owner=owner,
            now=utcnow(),
            lease=timedelta(minutes=15),
            only_due=False,
        )


def test_a_lease_is_kept_while_its_holder_lives_and_taken_over_once_it_is_killed(
    engine: Engine, database_url: str
) -> None:
    _source(engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, database_url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        owner = holder.stdout.readline().strip()
        assert owner.startswith("ingest-") and not leases.holder_is_gone(owner)
        assert _claim(engine, leases.lease_owner("ingest")) == []  # a live holder keeps its source
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert leases.holder_is_gone(owner)
    assert _claim(engine, leases.lease_owner("ingest")) == ["wire"]  # at once, not 15 minutes later
    assert not leases.holder_is_gone("ingest-1234@another-host/pid:[1]#1.1")  # elsewhere: wait for expiry


def test_a_working_run_renews_its_lease(engine: Engine) -> None:
    _source(engine)
    owner = leases.lease_owner("ingest")
    _claim(engine, owner)

    def lease_until() -> object:
        with Session(engine) as session:
            return session.exec(select(Source.lease_until).where(Source.name == "wire")).one()

    first = lease_until()
    with lease_kept(engine, "wire", owner, lease_seconds=0.6):
        time.sleep(0.5)
        renewed = lease_until()
    assert renewed is not None and first is not None and renewed < first  # 15 min lease → 0.6 s renewals
    time.sleep(0.3)
    assert lease_until() == renewed  # renewal stops with the work
