"""``newswatch sources check NAME``: one fetch, explained, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.sources.hostile import HostileServer, reply


def test_sources_check_explains_a_feed_and_a_failure(
    hostile_http: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_http.routes["/feed.xml"] = reply(
        b'<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>Truce holds</title>'
        b"<description>The truce held overnight in the south, officials said.</description></item>"
        b"</channel></rss>",
        content_type="application/rss+xml",
    )
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        f"sources:\n  - name: wire\n    feed: {hostile_http.url('/feed.xml')}\n    robots: ignore\n"
        f"  - name: gone\n    feed: {hostile_http.url('/gone.xml')}\n    robots: ignore\n"
    )
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("NEWSWATCH_HTTP__ALLOW", json.dumps([f"127.0.0.1:{hostile_http.port}"]))
    runner = CliRunner()

    ok = runner.invoke(app, ["sources", "check", "wire", "-w", str(watchlist)])
    gone = runner.invoke(app, ["sources", "check", "gone", "-w", str(watchlist)])

    assert ok.exit_code == 0, ok.output
    assert "HTTP 200" in ok.output and "1 new item(s)" in ok.output and "Truce holds" in ok.output
    assert gone.exit_code == 1 and "not_found" in gone.output
