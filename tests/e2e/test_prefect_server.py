"""The server path end to end: a real ``prefect server``, ``prefect deploy --all``, a worker, the UI.

Starts ``prefect server start`` on a free loopback port with a temporary PREFECT_HOME, creates
the process work pool, deploys prefect.yaml unchanged, triggers the ingest deployment over the
bundled samples and a loopback news site (an RSS feed whose entries link to article pages, which
are fetched and extracted in the worker's extraction processes), lets ``prefect worker start
--run-once`` execute it, then checks through the API that the run completed and left its
artifacts and events, and in newswatch's database that the web articles were extracted from
their pages; then it opens the run and the artifacts in headless Chromium (screenshots in
test-output/). Skips, with the reason, where Chromium is missing — except under CI
(NEWSWATCH_TEST_REQUIRE_BROWSER=1), where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = ROOT / "test-output"
pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Server:
    api: str
    ui: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prefect(server: Server, *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


WEB_REPORTS = {
    "truce-holds": "The truce between Israel and Hezbollah held through its first night, Beirut said",
    "return-south": "Families displaced from south Lebanon began returning home as the ceasefire took hold",
}


@pytest.fixture(scope="module")
def news_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A static news site on 127.0.0.1: an RSS feed whose entries link to full article pages."""
    site = tmp_path_factory.mktemp("site")
    (site / "news").mkdir()
    items = []
    for slug, sentence in WEB_REPORTS.items():
        body = "".join(f"<p>{sentence}, in a report filed on day {i} of the truce.</p>" for i in range(6))
        (site / "news" / f"{slug}.html").write_text(
            f"<html><head><title>{slug}</title></head><body><nav><a href='/'>Home</a></nav><article>"
            f"<h1>{sentence.split(',')[0]}</h1>{body}</article></body></html>",
            encoding="utf-8",
        )
        items.append(f"<item><guid>{slug}</guid><title>{slug}</title><link>/news/{slug}.html</link></item>")
    (site / "feed.xml").write_text(
        f'<rss version="2.0"><channel><title>wire</title>{"".join(items)}</channel></rss>', encoding="utf-8"
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as http:
        threading.Thread(target=http.serve_forever, daemon=True).start()
        yield f"127.0.0.1:{http.server_port}"
        http.shutdown()


def _watchlist(home: Path, news_site: str) -> Path:
    """The bundled samples' watchlist plus the loopback site's feed."""
    samples = (ROOT / "samples" / "watchlist.yaml").read_text(encoding="utf-8")
    path = home / "watchlist.yaml"
    path.write_text(
        "sources:\n"
        f"  - name: saved-reports\n    directory: {ROOT / 'samples' / 'reports'}\n"
        f"  - name: wire\n    feed: http://{news_site}/feed.xml\n    robots: ignore\n"
        "topics:" + samples.partition("\ntopics:")[2],
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, news_site: str) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))},
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "100",
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
        "NEWSWATCH_DATABASE_URL": f"sqlite:///{home / 'newswatch.db'}",
        "NEWSWATCH_WATCHLIST": str(_watchlist(home, news_site)),
        "NEWSWATCH_HTTP__ALLOW": json.dumps([news_site]),
    }
    log = open(home / "server.log", "w")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(env["PREFECT_API_URL"], process, home / "server.log")
        yield Server(env["PREFECT_API_URL"], f"http://127.0.0.1:{port}", env)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_healthy(api: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240  # a loaded machine (a CI box, the whole suite) starts it slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prefect server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{api}/health", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    pytest.fail(f"prefect server did not become healthy:\n{log.read_text()}")


def _api(server: Server, path: str, body: dict[str, object]) -> list[dict[str, object]]:
    response = httpx.post(f"{server.api}{path}", json=body, timeout=30)
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, list) else data.get("events", data.get("results", []))


def test_deploy_run_and_see_it_in_the_ui(server: Server) -> None:
    _prefect(server, "work-pool", "create", "newswatch-process", "--type", "process")
    _prefect(server, "deploy", "--all")
    _prefect(server, "deployment", "run", "ingest/ingest", "--param", "only_due=false")
    _prefect(server, "worker", "start", "--pool", "newswatch-process", "--run-once", timeout=300)

    [run] = _api(server, "/flow_runs/filter", {"flow_runs": {"name": {"like_": "ingest-"}}})
    assert run["state_type"] == "COMPLETED", run
    artifacts = _api(server, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
    keys = {artifact["key"] for artifact in artifacts}
    assert {"ingest-summary", "ingest-new-articles", "source-health"} <= keys
    summary = next(a for a in artifacts if a["key"] == "ingest-summary")
    assert "Lebanon ceasefire" in str(summary["data"])
    _assert_the_web_articles_were_extracted_from_their_pages(server)
    events = _wait_for_events(server, "newswatch.topic.matched", expected=5)
    assert len(events) == 5, events  # the two seed reports, the 27 November truce, the two web reports
    topics = {event["resource"]["prefect.resource.id"] for event in events}
    assert topics == {"newswatch.topic.lebanon-ceasefire"}

    _look_in_the_browser(server, str(run["id"]), str(run["name"]), str(summary["id"]))


def _assert_the_web_articles_were_extracted_from_their_pages(server: Server) -> None:
    database = server.env["NEWSWATCH_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        health = dict(connection.execute("SELECT name, last_status FROM source"))
        rows = connection.execute(
            "SELECT a.location, a.text_source, a.text FROM article a JOIN source s ON s.id = a.source_id"
            " WHERE s.name = 'wire' ORDER BY a.location"
        ).fetchall()
    assert health == {"saved-reports": "ok", "wire": "ok"}
    pages = [location.rpartition("/")[2] for location, _, _ in rows]
    assert pages == ["return-south.html", "truce-holds.html"]
    assert {text_source for _, text_source, _ in rows} == {"document"}  # the page's text, not the feed's
    assert all(WEB_REPORTS[location.rpartition("/")[2][:-5]] in text for location, _, text in rows)


def _wait_for_events(server: Server, name: str, expected: int) -> list[dict[str, object]]:
    """The server persists events in batches: poll for a while before concluding."""
    deadline = time.monotonic() + 90
    while True:
        events = _api(server, "/events/filter", {"filter": {"event": {"name": [name]}}, "limit": 50})
        if len(events) >= expected or time.monotonic() > deadline:
            return events
        time.sleep(2)


def _look_in_the_browser(server: Server, run_id: str, run_name: str, artifact_id: str) -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("NEWSWATCH_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required but not found at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.ui}/runs/flow-run/{run_id}")
        page.get_by_text(run_name).first.wait_for(timeout=60_000)
        page.get_by_text("Lebanon ceasefire").first.wait_for(timeout=60_000)  # in the run's logs
        page.screenshot(path=OUTPUT / "flow-run.png", full_page=True)
        page.goto(f"{server.ui}/artifacts/artifact/{artifact_id}")
        page.get_by_text("Lebanon ceasefire").first.wait_for(timeout=60_000)
        page.screenshot(path=OUTPUT / "artifact-summary.png", full_page=True)
        browser.close()
