"""The ``ingest`` flow end to end under Prefect, started the way a user starts it: ``newswatch run``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

import flows  # noqa: F401  (telemetry off before Prefect is imported)
from cli.main import app
from tests.conftest import SAMPLES

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect API for this module (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _artifact(key: str) -> object:
    """The newest artifact with ``key`` (the module's runs share one API)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC
        )
    assert found, f"no artifact {key!r}"
    return found[0].data


def test_newswatch_run_ingests_the_samples_and_alerts_once(
    prefect_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'nw.db'}")
    runner = CliRunner()
    first = runner.invoke(app, ["run", "--watchlist", str(SAMPLES / "watchlist.yaml")])
    assert first.exit_code == 0, first.output
    assert first.output.count("[Lebanon ceasefire]") == 2  # the seed story and the 27 November truce
    assert "4 new article(s) in 3 story(ies)" in first.output and "2 alert(s) sent" in first.output

    summary = _artifact("ingest-summary")
    assert isinstance(summary, str) and "4 new article(s)" in summary and "Lebanon ceasefire" in summary
    table = _artifact("ingest-new-articles")
    assert "US asked Lebanon to declare unilateral ceasefire with Israel" in str(table)

    second = runner.invoke(app, ["run", "--watchlist", str(SAMPLES / "watchlist.yaml")])
    assert second.exit_code == 0, second.output
    assert "[Lebanon ceasefire]" not in second.output
    assert "0 new article(s)" in second.output and "0 alert(s) sent" in second.output


def test_a_bad_query_stops_the_run_with_file_line_and_position(
    prefect_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'nw.db'}")
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "sources:\n  - name: s\n    directory: .\ntopics:\n  - name: broken\n    query: '(Lebanon AND'\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", "--watchlist", str(watchlist)])
    assert result.exit_code == 2
    assert f"{watchlist}:5" in result.output and "position" in result.output
    assert not (tmp_path / "nw.db").exists()


def test_a_run_where_every_source_fails_ends_failed_and_says_why(
    prefect_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'nw.db'}")
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("sources:\n  - name: gone\n    directory: no-such-folder\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--watchlist", str(watchlist)])
    assert result.exit_code == 1, result.output
    assert "run failed" in result.output and "source_missing" in result.output
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_="ingest-")))
    assert any(run.state is not None and run.state.is_failed() for run in runs)


def test_channel_secrets_can_come_from_prefect_secret_blocks(prefect_api: None, tmp_path: Path) -> None:
    from prefect.blocks.system import Secret

    from core.errors import ConfigurationError
    from core.watchlist import load_watchlist
    from flows.prefect_secrets import read_watchlist

    Secret(value="https://hooks.example.test/services/T000/B000/XXXX").save("desk-slack", overwrite=True)
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "channels:\n  desk: {type: slack, webhook_url: '${secret:desk-slack}'}\n"
        "  other: {type: slack, webhook_url: '${secret:no-such-block}'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="no Prefect Secret block named 'no-such-block'"):
        read_watchlist(watchlist)
    with pytest.raises(ConfigurationError, match="is read from Prefect"):
        load_watchlist(watchlist)  # without a resolver, as core/ alone would

    desk_only = "channels:\n  desk: {type: slack, webhook_url: '${secret:desk-slack}'}\n"
    watchlist.write_text(desk_only, encoding="utf-8")
    spec = read_watchlist(watchlist).channels["desk"]
    assert spec.webhook_url.get_secret_value() == "https://hooks.example.test/services/T000/B000/XXXX"
    assert "XXXX" not in repr(spec)


@pytest.fixture
def feed_site(tmp_path: Path) -> Iterator[str]:
    """A static site on 127.0.0.1: an RSS feed and the article page it links to."""
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    sentence = "Lebanon and Israel agreed a ceasefire that took effect at dawn, officials in Beirut said"
    body = "".join(f"<p>{sentence} ({i}).</p>" for i in range(6))
    (site / "news" / "truce.html").write_text(
        f"<html><head><title>Truce takes effect</title></head><body><article><h1>Truce takes effect</h1>"
        f"{body}</article></body></html>",
        encoding="utf-8",
    )
    (site / "feed.xml").write_text(
        '<rss version="2.0"><channel><title>wire</title><item><guid>g-truce</guid>'
        "<title>Truce takes effect</title><link>/news/truce.html</link></item></channel></rss>",
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"127.0.0.1:{server.server_port}"
        server.shutdown()


def test_newswatch_run_polls_web_sources_in_one_task_beside_local_ones(
    prefect_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_site: str
) -> None:
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'nw.db'}")
    monkeypatch.setenv("NEWSWATCH_HTTP__ALLOW", json.dumps([feed_site]))
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "sources:\n"
        f"  - name: wire\n    feed: http://{feed_site}/feed.xml\n    robots: ignore\n"
        f"  - name: gone\n    feed: http://{feed_site}/gone.xml\n    robots: ignore\n"
        f"  - name: reports\n    directory: {SAMPLES / 'reports'}\n"
        "topics:\n  - name: Lebanon ceasefire\n"
        "    query: '(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce)'\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", "--watchlist", str(watchlist)])

    assert result.exit_code == 0, result.output
    assert "3 source(s), 5 new article(s)" in result.output and "1 source(s) failed" in result.output
    health = {row["source"]: row for row in json.loads(str(_artifact("source-health")))}
    assert health["wire"]["status"] == "ok" and health["reports"]["status"] == "ok"
    assert health["gone"]["status"] == "failed" and "not_found" in health["gone"]["last error"]
