"""Hostile and odd feeds (malformed XML, entity bombs, external entities, parser crashes, missing
or absurd dates, duplicate or missing GUIDs, relative and unsafe links, empty and huge feeds) and
the three formats: RSS, Atom, JSON Feed."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.errors import FetchError
from core.records import Document
from core.settings import HttpSettings
from core.watchlist import FeedSource, SourceSpec
from pipeline.reading import finish_article
from sources.feeds import parse_feed
from sources.fetcher import Fetcher
from sources.web import read_web_source
from tests.sources.hostile import HostileServer, reply

BASE = "http://news.example/feeds/world.xml"
LOL = b"".join(
    [b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">']
    + [
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    ]
    + [
        b']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
        b"<description>x</description></item></channel></rss>"
    ]
)


def rss(*items: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{''.join(items)}</channel></rss>"
    ).encode()


def test_rss_atom_and_json_feed_give_the_same_entry() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><entry><id>urn:a1</id>
    <title>Truce holds</title><link href="/a/1"/><updated>2024-11-27T08:00:00Z</updated>
    <content type="html">&lt;p&gt;The truce held overnight.&lt;/p&gt;</content></entry></feed>"""
    jsonfeed = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "x",
            "items": [
                {
                    "id": "urn:a1",
                    "url": "/a/1",
                    "title": "Truce holds",
                    "content_html": "<p>The truce held overnight.</p>",
                    "date_published": "2024-11-27T08:00:00Z",
                }
            ],
        }
    ).encode()
    rss20 = rss(
        "<item><guid>urn:a1</guid><title>Truce holds</title><link>/a/1</link>"
        "<pubDate>Wed, 27 Nov 2024 08:00:00 GMT</pubDate>"
        "<description>&lt;p&gt;The truce held overnight.&lt;/p&gt;</description></item>"
    )
    rdf = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="x"><title>x</title></channel>
    <item rdf:about="urn:a1"><title>Truce holds</title><link>/a/1</link>
    <dc:date>2024-11-27T08:00:00Z</dc:date>
    <description>The truce held overnight.</description></item></rdf:RDF>"""
    for content in (atom, jsonfeed, rss20, rdf):
        (entry,) = parse_feed(content, base_url=BASE).entries
        assert entry.link == "http://news.example/a/1"
        assert entry.text.title == "Truce holds" and entry.text.text == "The truce held overnight."
        assert entry.text.published == datetime(2024, 11, 27, 8, tzinfo=UTC)


def test_f1_malformed_xml_keeps_entries_with_a_warning() -> None:
    feed = parse_feed(
        rss(
            "<item><title>Tom & Jerry</title><link>http://x.org/1</link><description>ok</description></item>"
        ),
        base_url=BASE,
    )
    assert [e.text.title for e in feed.entries] == ["Tom & Jerry"] and feed.warning


def test_f2_billion_laughs_and_quadratic_blowup_stay_small() -> None:
    quadratic = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 50_000 + b'">]><rss version="2.0">'
        b"<channel><title>t</title><item><title>" + b"&a;" * 5_000 + b"</title><description>d</description>"
        b"</item></channel></rss>"
    )
    for payload in (LOL, quadratic):
        tracemalloc.start()
        try:
            feed = parse_feed(payload, base_url=BASE)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 50 * 1024 * 1024
        assert all(len(e.text.title or "") < 100_000 for e in feed.entries)  # nothing was expanded


def test_f3_external_entities_read_no_file_and_open_no_connection(hostile_http: HostileServer) -> None:
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{hostile_http.url("/evil.dtd")}" ['
        f'<!ENTITY file SYSTEM "file:///etc/passwd"><!ENTITY web SYSTEM "{hostile_http.url("/x")}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>a&file;&web;</title>'
        "<link>http://x.org/1</link><description>root:x:0:0 &file;</description></item></channel></rss>"
    ).encode()
    feed = parse_feed(payload, base_url=BASE)
    assert "root:x" not in (feed.entries[0].text.title or "") + feed.entries[0].text.text.replace(
        "root:x:0:0", ""
    )
    assert hostile_http.connections == 0


def test_f4_a_redos_author_is_defused() -> None:
    payload = rss(
        f"<item><title>x</title><author>{'a.' * 50_000}@</author><description>d</description></item>"
    )
    assert parse_feed(payload, base_url=BASE).entries[0].text.title == "x"


def test_f5_a_parser_crash_is_a_parse_error_for_that_feed_only() -> None:
    with pytest.raises(FetchError) as caught:
        parse_feed(b"<rss><channel><item><![CDATA[<!h<!h<]]></item>", base_url=BASE)
    assert caught.value.reason in ("parse_error", "not_a_feed")


@pytest.mark.parametrize(
    ("date", "note"),
    [
        ("", "missing_date"),
        ("Thu, 01 Jan 2099 00:00:00 GMT", "future_date"),
        ("Thu, 01 Jan 1970 00:00:00 GMT", "ancient_date"),
    ],
)
def test_f6_f7_missing_or_implausible_dates_use_the_first_seen_time_flagged(date: str, note: str) -> None:
    item = (
        f"<item><guid>g</guid><title>T</title><pubDate>{date}</pubDate>"
        "<description>Body text of it.</description></item>"
    )
    (entry,) = parse_feed(rss(item), base_url=BASE).entries
    assert entry.text.published is None and entry.text.date_note == note
    seen_at = datetime(2024, 11, 27, 9, tzinfo=UTC)
    document = Document("s", BASE, b"", "text/html", seen_at, url=BASE, identity="s:guid:g", entry=entry.text)
    article = finish_article(document, None)
    assert article is not None and article.text_source == "feed"
    assert article.published == seen_at and article.published_source == f"first_seen ({note})"


def test_f8_duplicate_guids_count_once() -> None:
    feed = parse_feed(
        rss(*["<item><guid>same</guid><title>A</title><description>x</description></item>"] * 3),
        base_url=BASE,
    )
    assert len({e.key for e in feed.entries}) == 1


def test_f9_no_guid_and_no_link_gives_a_stable_identity() -> None:
    item = "<item><title>Untitled wire</title><description>Same text.</description></item>"
    first, second = (parse_feed(rss(item), base_url=BASE).entries[0] for _ in range(2))
    assert first.identity == second.identity and first.key == second.key
    other = parse_feed(rss(item.replace("Untitled", "Other")), base_url=BASE).entries[0]
    assert other.identity != first.identity


def test_f10_links_resolve_against_the_final_url_and_unsafe_schemes_drop(hostile_http, http) -> None:
    hostile_http.routes["/old.xml"] = reply(b"", status=301, headers={"Location": "/feeds/new.xml"})
    hostile_http.routes["/feeds/new.xml"] = reply(
        rss(
            "<item><guid>1</guid><title>Rel</title><link>story/1</link><description>d</description></item>",
            "<item><guid>2</guid><title>JS</title><link>javascript:alert(1)</link><description>d</description></item>",
        ),
        content_type="application/rss+xml",
    )
    read = _read(
        http, FeedSource(name="s", feed=hostile_http.url("/old.xml"), robots="ignore", fetch_articles=False)
    )
    by_title = {d.entry.title: d for d in read.documents}
    assert by_title["Rel"].url == hostile_http.url("/feeds/story/1")
    assert by_title["JS"].url is None
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://cdn.example/base/"><title>x</title>
    <entry><id>1</id><title>t</title><link href="p/1"/></entry></feed>"""
    assert parse_feed(atom, base_url=BASE).entries[0].link == "http://cdn.example/base/p/1"


def test_f11_empty_200_and_a_huge_feed(hostile_http, http) -> None:
    with pytest.raises(FetchError) as caught:
        parse_feed(b"  \n", base_url=BASE)
    assert caught.value.reason == "empty"
    items = [
        f"<item><guid>{i}</guid><title>T{i}</title><description>Text {i}.</description></item>"
        for i in range(10_000)
    ]
    hostile_http.routes["/big.xml"] = reply(rss(*items), content_type="application/rss+xml")
    spec = FeedSource(name="s", feed=hostile_http.url("/big.xml"), robots="ignore", fetch_articles=False)
    settings = http.model_copy(update={"max_body_bytes": 5 * 1024 * 1024, "max_new_entries": 50})
    first = _read(settings, spec)
    second = _read(settings, spec, first.cursor)
    assert len(first.documents) == 50 and len(second.documents) == 50  # bounded, then the next ones
    assert {d.identity for d in first.documents}.isdisjoint({d.identity for d in second.documents})


def _read(http: HttpSettings, spec: SourceSpec, cursor: dict | None = None):
    async def run():
        async with Fetcher(http) as fetcher:
            return await read_web_source(fetcher, spec, cursor or {})

    return asyncio.run(run())


CORPUS = Path(__file__).parent / "fixtures" / "feedparser_corpus"


def test_real_world_feeds_of_many_dialects_never_crash(hostile_http, http) -> None:
    files = sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".rdf", ".json", ".atom", ".rss")
    )
    assert len(files) > 100
    for index, path in enumerate(files):
        hostile_http.routes[f"/c/{index}"] = reply(path.read_bytes(), content_type="application/xml")
    specs = [
        (
            FeedSource(name=f"c{i}", feed=hostile_http.url(f"/c/{i}"), robots="ignore", fetch_articles=False),
            {},
        )
        for i in range(len(files))
    ]

    from sources.web import poll_web_sources

    async def run():
        async with Fetcher(http) as fetcher:
            return await poll_web_sources(fetcher, specs)

    results = asyncio.run(run())
    outcomes: dict[str, int] = {}
    for result in results:
        key = result.reason if isinstance(result, FetchError) else "read"
        outcomes[key] = outcomes.get(key, 0) + 1
    assert len(results) == len(files)
    assert outcomes.get("read", 0) > len(files) * 0.8, outcomes
    assert set(outcomes) <= {"read", "parse_error", "not_a_feed", "empty"}, outcomes
