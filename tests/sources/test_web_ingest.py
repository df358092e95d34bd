"""Web sources through the whole pipeline on SQLite and PostgreSQL: articles, cursor, health,
revisions, listing pages and sitemaps (the storing step is the real one)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.settings import HttpSettings, Settings
from core.watchlist import (
    FeedSource,
    ListingSource,
    PageSource,
    SitemapSource,
    SourceSpec,
    TopicSpec,
    Watchlist,
)
from extractors.workers import WorkerLimits
from pipeline.ingest import claim_sources, ingest_source
from pipeline.parse_workers import WorkerParser
from pipeline.watchlist import compile_watchlist_topics, sync_watchlist
from pipeline.web_ingest import ingest_web_sources
from storage.engine import transaction
from storage.models import Alert, Article, ArticleRevision, Source, TopicMatch
from tests.sources.hostile import HostileServer, reply, reset, response_bytes

QUERY = '(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce OR "Resolution 1701")'


def article_html(title: str, body: str, canonical: str | None = None) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(
        f"<p>{body} Paragraph {i} adds more reporting from Beirut and the south.</p>" for i in range(6)
    )
    return (
        f"<html><head><title>{title}</title>{link}</head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>Contact us</footer></body></html>"
    ).encode()


def rss(*items: str) -> bytes:
    return f'<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'.encode()


def item(guid: str, title: str, link: str, text: str = "") -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>"
        f"<description>{text}</description></item>"
    )


def run(engine: Engine, spec: SourceSpec, http: HttpSettings):
    watchlist = Watchlist(sources=(spec,), topics=(TopicSpec(name="Lebanon ceasefire", query=QUERY),))
    sync_watchlist(engine, watchlist)
    matcher = compile_watchlist_topics(watchlist)
    return ingest_source(engine, spec, matcher, Settings(_env_file=None).story, http)


def rows(engine: Engine, table):
    with Session(engine) as session:
        return list(session.exec(select(table).order_by(col(table.id))).all())


def source_row(engine: Engine, name: str) -> Source:
    with Session(engine) as session:
        return session.exec(select(Source).where(Source.name == name)).one()


@pytest.fixture
def site(hostile_http: HostileServer) -> HostileServer:
    truce = "Lebanon and Israel agreed a ceasefire that took effect at dawn, officials in Beirut said."
    hostile_http.routes["/news/truce"] = reply(
        article_html("Truce takes effect", truce, hostile_http.url("/news/truce"))
    )
    hostile_http.routes["/feed.xml"] = reply(
        rss(
            item("g-truce", "Truce takes effect", "/news/truce"),
            item(
                "g-gone",
                "Ceasefire talks in Beirut",
                "/news/gone",
                "Envoys met in Beirut to discuss a ceasefire with Hezbollah, the feed says in its summary.",
            ),
        ),
        content_type="application/rss+xml",
        etag='"v1"',
    )
    return hostile_http


def test_a_feed_is_ingested_then_answers_304_and_stores_nothing_new(engine: Engine, site, http) -> None:
    spec = FeedSource(name="wire", feed=site.url("/feed.xml"))
    first = run(engine, spec, http)
    alerts = len(rows(engine, Alert))
    second = run(engine, spec, http)

    articles = {a.title: a for a in rows(engine, Article)}
    assert len(first.new) == 2 and first.error is None
    assert articles["Truce takes effect"].identity == site.url("/news/truce")
    assert articles["Truce takes effect"].text_source == "document"
    fallback = articles["Ceasefire talks in Beirut"]  # its page is a 404: the entry's own text stands in
    assert fallback.text_source == "feed" and "Envoys met in Beirut" in fallback.text
    assert fallback.identity.startswith("wire:guid:") and fallback.identity.endswith("g-gone")
    assert second.new == [] and second.unchanged == 1
    source = source_row(engine, "wire")
    assert source.last_status == "ok" and source.last_http_status == 304 and source.state["etag"] == '"v1"'
    assert alerts >= 1 and len(rows(engine, Alert)) == alerts  # nothing new: no new alert


def test_n4_a_reset_mid_feed_stores_nothing_and_keeps_the_cursor(engine: Engine, site, http) -> None:
    spec = FeedSource(name="wire", feed=site.url("/feed.xml"))
    run(engine, spec, http)
    before = source_row(engine, "wire").state

    async def broken(request, writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss version='2.0'><channel>")
        await writer.drain()
        await asyncio.sleep(0.05)
        reset(writer)

    site.routes["/feed.xml"] = broken
    outcome = run(engine, spec, http)
    source = source_row(engine, "wire")
    assert outcome.error and source.last_error_class == "connection_reset"
    assert source.state == before and len(rows(engine, Article)) == 2


def test_n6_n7_failures_back_off_and_honour_retry_after(engine: Engine, hostile_http, http) -> None:
    hostile_http.routes["/down.xml"] = reply(b"busy", status=503)
    spec = FeedSource(name="down", feed=hostile_http.url("/down.xml"), robots="ignore", every="1m")
    gaps = []
    for _ in range(3):
        run(engine, spec, http)
        source = source_row(engine, "down")
        gaps.append(source.next_poll_at - source.last_attempt_at)
    assert source.last_http_status == 503 and source.last_error_class == "server_error"
    assert source.consecutive_failures == 3 and gaps[0] < gaps[1] < gaps[2]

    hostile_http.routes["/down.xml"] = reply(b"", status=429, headers={"Retry-After": "86400"})
    run(engine, spec, http)
    source = source_row(engine, "down")
    assert source.last_error_class == "rate_limited"
    assert source.next_poll_at - source.last_attempt_at >= timedelta(
        seconds=6 * 3600
    )  # the hint, capped at 6 h


def test_f8_the_same_guid_with_a_new_title_stays_one_article_with_one_alert(
    engine: Engine, site, http
) -> None:
    spec = FeedSource(name="wire", feed=site.url("/feed.xml"))
    run(engine, spec, http)
    alerts = len(rows(engine, Alert))
    site.routes["/feed.xml"] = reply(
        rss(
            item("g-truce", "Truce takes effect (updated)", "/news/truce"),
            item("g-truce", "Dup", "/news/truce"),
        ),
        content_type="application/rss+xml",
    )
    outcome = run(engine, spec, http)
    assert outcome.new == [] and outcome.duplicates == 1
    assert len(rows(engine, Article)) == 2 and len(rows(engine, Alert)) == alerts


def test_a_watched_page_that_changes_becomes_a_revision_not_a_new_article(
    engine: Engine, hostile_http, http
) -> None:
    url = hostile_http.url("/live")
    hostile_http.routes["/live"] = reply(
        article_html("Live: ceasefire in Lebanon", "First update from Beirut.", url)
    )
    spec = PageSource(name="live", page=url, robots="ignore")
    run(engine, spec, http)
    unchanged = run(engine, spec, http)
    hostile_http.routes["/live"] = reply(
        article_html("Live: ceasefire in Lebanon", "Second update, truce holding.", url)
    )
    run(engine, spec, http)

    (article,) = rows(engine, Article)
    revisions = rows(engine, ArticleRevision)
    assert unchanged.new == [] and unchanged.unchanged == 1
    assert [r.revision for r in revisions] == [1, 2] and "Second update" in article.text


def test_a_listing_page_follows_same_site_links_matching_the_pattern(
    engine: Engine, hostile_http, http
) -> None:
    body = "The ministry announced a truce with Hezbollah after talks in Beirut on the ceasefire."
    for slug in ("a", "b"):
        hostile_http.routes[f"/press/2024/{slug}"] = reply(article_html(f"Release {slug}", body + slug))
    hostile_http.routes["/press/"] = reply(
        b"<html><body><a href='/press/2024/a'>A</a> <a href='2024/b#top'>B</a> <a href='/about'>About</a>"
        b"<a href='http://elsewhere.example/press/2024/c'>C</a>"
        b"<a href='/press/2024/a'>A again</a></body></html>"
    )
    spec = ListingSource(
        name="ministry", listing=hostile_http.url("/press/"), link_pattern=r"/press/\d{4}/", robots="ignore"
    )
    first = run(engine, spec, http)
    assert sorted(a.title for a in first.new) == ["Release a", "Release b"]
    assert hostile_http.hits("/about") == 0


def test_a_sitemap_index_and_news_sitemap_are_read_incrementally(engine: Engine, hostile_http, http) -> None:
    body = "Officials in Beirut said the ceasefire with Hezbollah was holding on its first day."
    hostile_http.routes["/n/1"] = reply(article_html("News one", body))
    hostile_http.routes["/n/2"] = reply(article_html("News two", body + " More."))
    news = hostile_http.url("/news-sitemap.xml")
    hostile_http.routes["/sitemap.xml"] = reply(
        f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{news}</loc><lastmod>2024-11-27</lastmod></sitemap></sitemapindex>""".encode(),
        content_type="application/xml",
    )
    hostile_http.routes["/news-sitemap.xml"] = reply(
        f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
        <url><loc>{hostile_http.url("/n/1")}</loc><news:news><news:publication_date>2024-11-27T08:00:00Z</news:publication_date>
        <news:title>News one</news:title></news:news></url>
        <url><loc>{hostile_http.url("/n/2")}</loc><lastmod>2024-11-27T09:00:00Z</lastmod></url></urlset>""".encode(),
        content_type="application/xml",
    )
    spec = SitemapSource(name="sm", sitemap=hostile_http.url("/sitemap.xml"), robots="ignore")
    first = run(engine, spec, http)
    second = run(engine, spec, http)
    assert sorted(a.title for a in first.new) == ["News one", "News two"]
    assert second.new == [] and hostile_http.hits("/n/1") == 1


def run_together(engine: Engine, specs: list[SourceSpec], http: HttpSettings, owner: str = "run-1"):
    """One run's web sources, polled as the ingest flow polls them (leased first, as the flow does)."""
    return claim_together(engine, specs, owner)(http)


def claim_together(engine: Engine, specs: list[SourceSpec], owner: str):
    """Sync and lease ``specs`` as a run does; the function that then ingests them."""
    watchlist = Watchlist(sources=tuple(specs), topics=(TopicSpec(name="Lebanon ceasefire", query=QUERY),))
    sync_watchlist(engine, watchlist)
    claimed = claim_sources(engine, specs, owner=owner, lease_seconds=120, only_due=False)
    assert claimed == specs
    matcher = compile_watchlist_topics(watchlist)
    story = Settings(_env_file=None).story
    return partial(ingest_web_sources, engine, specs, matcher, story, owner=owner, lease_seconds=120)


def test_item_11_sources_on_one_host_share_its_limit_across_the_run(
    engine: Engine, hostile_http, http
) -> None:
    in_flight, most = 0, 0

    def slow(body: bytes, content_type: str):
        async def handle(request, writer) -> None:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.15)
            in_flight -= 1
            writer.write(response_bytes(200, body, {"Content-Type": content_type}))

        return handle

    bodies = {
        "a": "Envoys in Beirut discussed a ceasefire with Hezbollah on Wednesday, officials said.",
        "b": "Farmers in the south returned to their fields as the truce held for a second night.",
    }
    for name, body in bodies.items():
        feed = rss(item(f"g-{name}", f"Talks {name}", f"/{name}/1", body))
        hostile_http.routes[f"/{name}.xml"] = slow(feed, "application/rss+xml")
        hostile_http.routes[f"/{name}/1"] = slow(article_html(f"Talks {name}", body), "text/html")
    specs = [FeedSource(name=n, feed=hostile_http.url(f"/{n}.xml"), robots="ignore") for n in ("a", "b")]
    outcomes = run_together(engine, specs, http.model_copy(update={"per_host_concurrency": 1}))

    assert [len(o.new) for o in outcomes] == [1, 1]
    assert most == 1  # four requests to one host, never two at once
    assert all(source_row(engine, n).lease_owner is None for n in ("a", "b"))  # leases handed back

    before = source_row(engine, "a")
    again = run_together(engine, specs, http)  # nothing new: both recorded together
    after = source_row(engine, "a")
    assert [(o.new, o.unchanged, o.error) for o in again] == [([], 1, None)] * 2
    assert after.last_attempt_at > before.last_attempt_at and after.last_status == "ok"
    assert after.state["fetch"]["unchanged_body"] and after.state["seen"] == before.state["seen"]
    assert after.next_poll_at == after.last_attempt_at + timedelta(minutes=10) and after.lease_owner is None


def test_item_11_a_hanging_source_delays_nobody_else_and_gets_its_own_record(
    engine: Engine, hostile_http, http
) -> None:
    async def hang(request, writer) -> None:
        await asyncio.Event().wait()

    hostile_http.routes["/hang.xml"] = hang
    hostile_http.routes["/ok.xml"] = reply(rss(), content_type="application/rss+xml", etag='"v1"')
    specs = [
        FeedSource(name="hang", feed=hostile_http.url("/hang.xml"), robots="ignore"),
        FeedSource(name="ok", feed=hostile_http.url("/ok.xml"), robots="ignore"),
    ]
    settings = http.model_copy(update={"total_timeout_s": 10.0, "retries": 0})
    ingest = claim_together(engine, specs, "run-1")
    with transaction(engine) as session:  # polled before: a 304, nothing to parse or extract
        session.exec(select(Source).where(Source.name == "ok")).one().state = {"etag": '"v1"'}

    def ok_done() -> bool:
        row = source_row(engine, "ok")
        return row.last_status is not None and row.lease_owner is None

    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(ingest, settings)
        while not ok_done() and not running.done():
            time.sleep(0.05)
        ok_stored_after = time.monotonic() - started
        ok_row, hang_row = source_row(engine, "ok"), source_row(engine, "hang")
        hanging, ok = running.result()

    # stored and its lease handed back while the hanging source still waits for its deadline
    assert ok_stored_after < 5.0 and ok_row.last_status == "ok" and ok_row.last_http_status == 304
    assert hang_row.last_status is None and hang_row.lease_owner == "run-1", (ok_stored_after, hang_row)
    assert time.monotonic() - started >= 10.0 and ok.error is None
    assert hanging.error is not None and source_row(engine, "hang").last_error_class == "timeout"
    assert source_row(engine, "hang").lease_owner is None


def test_item_9_a_revision_that_newly_matches_a_topic_alerts_once(engine: Engine, hostile_http, http) -> None:
    url = hostile_http.url("/live")

    def revise(body: str) -> None:
        hostile_http.routes["/live"] = reply(article_html("Live: the south today", body, url))

    spec = PageSource(name="live", page=url, robots="ignore")
    revise("Heavy rain fell over the coast and roads were closed near the port.")
    first = run(engine, spec, http)
    revise("A ceasefire between Israel and Hezbollah was announced by the government.")
    matching = run(engine, spec, http)
    again = run(engine, spec, http)  # the same revision
    revise("The ceasefire held through the night, a second update from the government says.")
    later = run(engine, spec, http)  # a new revision, the topic matched already

    (article,) = rows(engine, Article)
    assert [r.revision for r in rows(engine, ArticleRevision)] == [1, 2, 3]
    assert first.matches == 0 and first.alerts_enqueued == 0
    assert [a.topics for a in matching.revised] == [("Lebanon ceasefire",)] and matching.alerts_enqueued == 1
    assert again.revised == [] and later.revised == [] and again.alerts_enqueued == later.alerts_enqueued == 0
    ((match, alert),) = [(m, a) for m in rows(engine, TopicMatch) for a in rows(engine, Alert)]
    assert match.article_id == article.id and alert.story_id == article.story_id


def test_r3_a_feed_that_overruns_its_parse_budget_fails_alone_and_the_run_goes_on(
    engine: Engine, hostile_http, http
) -> None:
    huge = rss(*(item(f"g{i}", f"Entry {i}", f"/e/{i}", "Text of the entry.") for i in range(30_000)))

    async def late(request, writer) -> None:  # parsed after the first feed, by the same worker
        await asyncio.sleep(1.0)
        writer.write(response_bytes(200, huge, {"Content-Type": "application/rss+xml"}))

    hostile_http.routes["/first.xml"] = reply(rss(), content_type="application/rss+xml")
    hostile_http.routes["/huge.xml"] = late
    hostile_http.routes["/after.xml"] = reply(rss(), content_type="application/rss+xml")
    specs = [
        FeedSource(
            name=f"{i}-{name}", feed=hostile_http.url(f"/{name}.xml"), robots="ignore", fetch_articles=False
        )
        for i, name in enumerate(("first", "huge", "after"))
    ]
    settings = http.model_copy(update={"max_body_bytes": 10 * 1024 * 1024, "total_timeout_s": 10.0})
    parser = WorkerParser(workers=1, limits=WorkerLimits(timeout_s=0.3))
    started = time.monotonic()
    first, huge_outcome, after = claim_together(engine, specs, "run-1")(settings, parser=parser)

    assert huge_outcome.error is not None and huge_outcome.error.startswith("parse_timeout")
    assert source_row(engine, "1-huge").last_error_class == "parse_timeout"
    assert first.error is None and after.error is None and source_row(engine, "2-after").last_status == "ok"
    assert time.monotonic() - started < 30  # the worker was killed, not waited for
