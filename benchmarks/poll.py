"""Poll benchmark: N feeds served on loopback, polled cold (everything new) and warm (all 304).

    python -m benchmarks.poll                      # 1,000 feeds, warm and cold (20,000 article pages)
    python -m benchmarks.poll --cold-feeds 50      # a quick cold poll: 1,000 article pages

The server runs in a process of its own (keep-alive HTTP/1.1, ETags, 20 entries per feed, one
article page per entry), so it does not share the client's interpreter. Each feed lives on a
host name of its own (``feed-17.bench.test``), resolved to 127.0.0.1 by an injected resolver:
per-host limits apply as they would to 1,000 sites, and the egress guard allows only the
server's port. Politeness spacing is set to 0 (it is a deliberate wait, not fetching cost);
robots.txt is fetched once per host and poll, as in a real run.

Targets: the warm poll of 1,000 feeds within 3 s on this 2-core machine; the cold poll
limited by extraction, not by fetching. The cold poll is measured in phases, fetching (feeds and
article pages) then extraction (the project's extractor on every page, one worker per core), and
the output says which one bounds it; then as a run does it (``pipeline.web_ingest``: leases, fetching,
extraction and storage in SQLite, overlapped). The warm poll is measured as fetching alone and as
the run's path (leases, cursors read, 304s, each source's health stored): the target applies to
the latter. Plain httpx on the same 304s is printed beside it. Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import tempfile
import time
from typing import Any

ENTRIES = 20


def _feed(i: int, port: int) -> bytes:
    items = "".join(
        f"<item><guid>f{i}-e{j}</guid><title>Report {j} of feed {i}</title>"
        f"<link>http://feed-{i}.bench.test:{port}/a/{i}/{j}</link>"
        f"<pubDate>Wed, 27 Nov 2024 08:{j:02d}:00 GMT</pubDate>"
        f"<description>Summary of report {j} from feed {i}.</description></item>"
        for j in range(ENTRIES)
    )
    channel = f"<channel><title>Feed {i}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def _article(i: int, j: int) -> bytes:
    sentence = (
        f"Officials in city {i} said on Wednesday that talks over item {j} would continue next week, "
        "while negotiators described the mood as cautious but constructive. "
    )
    paragraphs = "".join(f"<p>{sentence * 3} Paragraph {k}.</p>" for k in range(8))
    return (
        f"<html><head><title>Report {j} of feed {i}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Report {j} of feed {i}</h1>{paragraphs}</article>"
        "<footer>Contact</footer></body></html>"
    ).encode()


def _response(status: int, body: bytes, headers: dict[str, str]) -> bytes:
    head = [
        f"HTTP/1.1 {status} X",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _answer(path: str, headers: dict[str, str], port: int) -> bytes:
    if path == "/robots.txt":
        return _response(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
    parts = path.strip("/").split("/")
    if parts[0] == "feed":
        i = int(parts[1])
        etag = f'"feed-{i}-v1"'
        if headers.get("if-none-match") == etag:
            return _response(304, b"", {"ETag": etag})
        return _response(200, _feed(i, port), {"Content-Type": "application/rss+xml", "ETag": etag})
    if parts[0] == "a":
        return _response(
            200, _article(int(parts[1]), int(parts[2])), {"Content-Type": "text/html; charset=utf-8"}
        )
    return _response(404, b"", {})


def _serve(port_out: Any) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
                }
                writer.write(_answer(path, headers, port))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
        port_out.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def _poll(specs: list[Any], cursors: list[dict[str, Any]], http: Any) -> tuple[float, list[Any], Any]:
    from sources.fetcher import Fetcher
    from sources.web import poll_web_sources

    async def run() -> tuple[list[Any], Any]:
        async with Fetcher(http, resolver=_resolver) as fetcher:
            reads = await poll_web_sources(fetcher, list(zip(specs, cursors, strict=True)))
            return reads, fetcher.stats

    started = time.perf_counter()
    reads, stats = asyncio.run(run())
    return time.perf_counter() - started, reads, stats


def _baseline(urls: list[str], etags: list[str | None]) -> tuple[float, int]:
    """Plain httpx on the same URLs (no guard, no limits, no robots): what the policy costs."""
    import httpx

    async def run() -> int:
        limit = asyncio.Semaphore(64)  # as the poll's max_concurrent_sources
        pool = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(trust_env=False, limits=pool) as client:

            async def one(url: str, etag: str | None) -> int:
                async with limit:
                    response = await client.get(url, headers={"If-None-Match": etag} if etag else {})
                    return response.status_code

            codes = await asyncio.gather(*(one(u, e) for u, e in zip(urls, etags, strict=True)))
        return sum(1 for code in codes if code == 304)

    started = time.perf_counter()
    not_modified = asyncio.run(run())
    return time.perf_counter() - started, not_modified


def _run_path(
    db_url: str, specs: list[Any], http: Any, cursors: list[dict[str, Any]] | None
) -> tuple[float, float, list[Any]]:
    """The ingest flow's path without Prefect: lease the sources, poll, extract, store each one.
    Wall and CPU seconds of this process (the workers' CPU is not counted), and the outcomes."""
    from sqlmodel import select

    from core.watchlist import Watchlist
    from pipeline.ingest import claim_sources
    from pipeline.watchlist import compile_watchlist_topics, sync_watchlist
    from pipeline.web_ingest import ingest_web_sources
    from storage import leases
    from storage.engine import make_engine, migrate, transaction
    from storage.models import Source

    engine = make_engine(db_url)
    migrate(engine)
    watchlist = Watchlist(sources=tuple(specs))
    sync_watchlist(engine, watchlist)
    if cursors is not None:  # the cursors a first poll left (its ETags)
        with transaction(engine) as session:
            for source in session.exec(select(Source)).all():
                source.state = cursors[int(source.name[1:])]
    matcher = compile_watchlist_topics(watchlist)
    started, cpu_started = time.perf_counter(), time.process_time()
    owner = leases.lease_owner("bench")
    claimed = claim_sources(engine, specs, owner=owner, lease_seconds=120, only_due=False)
    outcomes = ingest_web_sources(
        engine, claimed, matcher, _story_settings(), http, owner=owner, lease_seconds=120, resolver=_resolver
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    engine.dispose()
    return elapsed, cpu, outcomes


def _story_settings() -> Any:
    from core.settings import StorySettings

    return StorySettings()


async def _resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000, help="feeds in the warm poll (default 1000)")
    parser.add_argument("--cold-feeds", type=int, default=1000, help="feeds in the cold poll (default 1000)")
    args = parser.parse_args()

    from core.errors import FetchError
    from core.settings import HttpSettings
    from core.watchlist import FeedSource
    from pipeline.extraction import extract_all

    queue: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    port = queue.get(timeout=30)
    http = HttpSettings(
        allow=(f"127.0.0.1:{port}",),
        min_host_spacing_s=0.0,
        max_new_entries=ENTRIES,
        max_concurrent_sources=64,
    )
    workdir = tempfile.TemporaryDirectory(prefix="poll-bench-")
    try:
        specs = [
            FeedSource(name=f"f{i}", feed=f"http://feed-{i}.bench.test:{port}/feed/{i}")
            for i in range(args.feeds)
        ]
        # Cold, in phases: fetch every feed and article page; then extract every page.
        cold_specs = specs[: args.cold_feeds]
        cold_s, cold_reads, cold_stats = _poll(cold_specs, [{} for _ in cold_specs], http)
        documents = [d for r in cold_reads if not isinstance(r, FetchError) for d in r.documents]
        started = time.perf_counter()
        articles, _ = extract_all(documents)
        extract_s = time.perf_counter() - started
        # Cold, the run's path: fetching, extraction and storage overlap.
        cold_run_s, _, cold_outcomes = _run_path(f"sqlite:///{workdir.name}/cold.db", cold_specs, http, None)
        # Warm: every feed answers 304 (cursors of a first poll without article pages).
        primed = [s.model_copy(update={"fetch_articles": False}) for s in specs]
        _, first, _ = _poll(primed, [{} for _ in specs], http)
        cursors = [r.cursor if not isinstance(r, FetchError) else {} for r in first]
        warm_s, warm_reads, warm_stats = _poll(primed, cursors, http)
        warm_run_s, warm_run_cpu_s, warm_outcomes = _run_path(
            f"sqlite:///{workdir.name}/warm.db", primed, http, cursors
        )
        base_urls = [f"http://127.0.0.1:{port}/feed/{i}" for i in range(len(specs))]
        baseline_s, _ = _baseline(base_urls, [c.get("etag") for c in cursors])
    finally:
        server.terminate()
        workdir.cleanup()
    failed = [r.reason for r in (*cold_reads, *warm_reads) if isinstance(r, FetchError)]
    failed += [o.error.split(":")[0] for o in (*cold_outcomes, *warm_outcomes) if o.error]
    unchanged = sum(
        1 for r in warm_reads if not isinstance(r, FetchError) and r.cursor["fetch"]["status"] == 304
    )
    figures = {
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cold_feeds": len(cold_specs),
        "cold_pages": len(documents),
        "cold_fetch_s": round(cold_s, 3),
        "cold_requests": cold_stats.requests,
        "cold_requests_per_s": round(cold_stats.requests / cold_s, 1),
        "cold_bytes": cold_stats.received_bytes,
        "cold_extract_s": round(extract_s, 3),
        "cold_articles": len(articles),
        "cold_bound_by": "extraction" if extract_s > cold_s else "fetching",
        "cold_run_s": round(cold_run_s, 3),
        "cold_run_articles": sum(len(o.new) for o in cold_outcomes),
        "warm_feeds": len(specs),
        "warm_304": unchanged,
        "warm_s": round(warm_s, 3),
        "warm_requests": warm_stats.requests,
        "warm_requests_per_s": round(warm_stats.requests / warm_s, 1),
        "warm_bytes": warm_stats.received_bytes,
        "warm_run_s": round(warm_run_s, 3),
        "warm_run_cpu_s": round(warm_run_cpu_s, 3),
        "warm_run_unchanged": sum(1 for o in warm_outcomes if o.error is None and o.unchanged),
        "warm_baseline_httpx_s": round(baseline_s, 3),
        "warm_overhead_ratio": round(warm_run_s / baseline_s, 2),
        "warm_target_s": 3.0,
        "warm_within_target": warm_run_s <= 3.0,
        "errors": len(failed),
        "error_reasons": {reason: failed.count(reason) for reason in sorted(set(failed))},
    }
    _print_table(figures)
    print(json.dumps(figures))


def _print_table(f: dict[str, Any]) -> None:
    rows = [
        (
            "cold fetch",
            f"{f['cold_feeds']} feeds, {f['cold_pages']} pages",
            f["cold_fetch_s"],
            f["cold_requests"],
            f["cold_requests_per_s"],
            f["cold_bytes"],
        ),
        ("cold extraction", f"{f['cold_articles']} articles", f["cold_extract_s"], "-", "-", "-"),
        ("cold run", f"{f['cold_run_articles']} articles stored", f["cold_run_s"], "-", "-", "-"),
        (
            "warm fetch (304)",
            f"{f['warm_feeds']} feeds, {f['warm_304']} x 304",
            f["warm_s"],
            f["warm_requests"],
            f["warm_requests_per_s"],
            f["warm_bytes"],
        ),
        ("warm run", f"{f['warm_run_unchanged']} sources recorded", f["warm_run_s"], "-", "-", "-"),
        ("warm run, CPU", "this process, user + system", f["warm_run_cpu_s"], "-", "-", "-"),
        ("baseline (httpx)", "same 304s, 1 keep-alive host", f["warm_baseline_httpx_s"], "-", "-", "-"),
    ]
    print(f"{'phase':<18}{'what':<32}{'wall s':>9}{'requests':>10}{'req/s':>10}{'bytes':>14}")
    for row in rows:
        print(f"{row[0]:<18}{row[1]:<32}{row[2]:>9}{row[3]!s:>10}{row[4]!s:>10}{row[5]!s:>14}")
    verdict = "within" if f["warm_within_target"] else "OVER"
    print(
        f"warm run: {f['warm_run_s']} s for {f['warm_feeds']} feeds ({f['warm_run_cpu_s']} s of CPU; "
        f"fetch alone {f['warm_s']} s), "
        f"target {f['warm_target_s']:g} s on {f['cores']} cores: {verdict} target; "
        f"plain httpx {f['warm_baseline_httpx_s']} s; load average {f['load_average_1m']}"
    )
    print(
        f"cold poll: fetching {f['cold_fetch_s']} s vs extraction {f['cold_extract_s']} s: "
        f"bound by {f['cold_bound_by']}; the run (overlapped, stored) took {f['cold_run_s']} s; "
        f"errors: {f['errors']} {f['error_reasons'] or ''}"
    )


if __name__ == "__main__":
    main()
