"""Credentials in source URLs (``user:pass@``, ``?token=``, ``api_key=``) never reach logs (httpx
logs every URL at INFO), stored errors, ``sources list``/``check`` or the artifacts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.common import console
from cli.main import app
from core.settings import Settings
from flows.prefect_secrets import read_watchlist
from pipeline.ingest import claim_sources
from pipeline.outcomes import DeliveryReport
from pipeline.reports import source_health_rows
from pipeline.summary import RunSummary
from pipeline.watchlist import compile_watchlist_topics, sync_watchlist
from pipeline.web_ingest import ingest_web_sources
from storage.models import IngestFailure, Source
from tests.sources.hostile import HostileServer, reply
from tests.sources.test_web_ingest import article_html, item, rss

SECRETS = ("Pa55-w0rd-9f", "tok-41c7e2", "key-88d1aa", "acc-5e03bb", "sess-7a2f10")


@pytest.fixture
def secret_site(hostile_http: HostileServer, tmp_path: Path) -> Path:
    """A feed behind basic auth and query tokens, an article link with a session token that is
    gone, and a second source whose URL (with its token) answers 404; the watchlist naming them."""
    truce = "Lebanon and Israel agreed a ceasefire that took effect at dawn, officials in Beirut said."
    hostile_http.routes["/news/truce"] = reply(article_html("Truce takes effect", truce))
    hostile_http.routes["/feed.xml"] = reply(
        rss(
            item("g-truce", "Truce takes effect", "/news/truce"),
            item("g-gone", "Gone", f"/news/gone?session={SECRETS[4]}"),
        ),
        content_type="application/rss+xml",
    )
    base = f"127.0.0.1:{hostile_http.port}"
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "sources:\n"
        f"  - name: private\n    feed: 'http://reader:{SECRETS[0]}@{base}/feed.xml?token={SECRETS[1]}"
        f"&api_key={SECRETS[2]}'\n    robots: ignore\n"
        f"  - name: broken\n    feed: 'http://{base}/missing.xml?access_token={SECRETS[3]}'\n"
        "    robots: ignore\n",
        encoding="utf-8",
    )
    return watchlist


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"{leaked} in {text!r}"


def test_r9_credentials_in_source_urls_never_reach_logs_records_or_output(
    engine: Engine,
    secret_site: Path,
    hostile_http: HostileServer,
    http,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    watchlist = read_watchlist(secret_site)  # as the ingest flow and the CLI read it
    sync_watchlist(engine, watchlist)
    specs = claim_sources(engine, watchlist.sources, owner="run-1", lease_seconds=120, only_due=False)
    matcher = compile_watchlist_topics(watchlist)
    outcomes = ingest_web_sources(engine, specs, matcher, Settings(_env_file=None).story, http, owner="run-1")
    private, broken = sorted(outcomes, key=lambda outcome: outcome.source != "private")

    (feed_request,) = [r for r in hostile_http.requests if r.path.startswith("/feed.xml")]
    assert feed_request.headers["authorization"].startswith("Basic ")  # the credentials were sent
    assert len(private.new) == 1 and private.failures and broken.error
    assert "HTTP Request: GET" in caplog.text and "***" in caplog.text  # httpx's lines, masked
    assert_no_secret(caplog.text)
    with Session(engine) as session:
        records = [*session.exec(select(Source)).all(), *session.exec(select(IngestFailure)).all()]
    assert_no_secret(" ".join(repr(record) for record in records))
    summary = RunSummary((private, broken), DeliveryReport(), 1.0)
    assert_no_secret(summary.markdown() + repr(summary.article_rows()) + repr(source_health_rows(engine)))

    database = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", database)
    monkeypatch.setenv("NEWSWATCH_HTTP__ALLOW", json.dumps([f"127.0.0.1:{hostile_http.port}"]))
    monkeypatch.setattr(console, "width", 400)  # no cell cut short: a secret could hide in the cut
    runner = CliRunner()
    listed = runner.invoke(app, ["sources", "list"])
    checked = [
        runner.invoke(app, ["sources", "check", name, "-w", str(secret_site)])
        for name in ("private", "broken")
    ]
    assert listed.exit_code == 0 and "gone?session=***" in listed.output
    assert [result.exit_code for result in checked] == [0, 1]
    assert_no_secret(listed.output + "".join(result.output for result in checked) + caplog.text)
