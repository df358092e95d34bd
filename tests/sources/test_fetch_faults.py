"""Network faults against a real, misbehaving server on 127.0.0.1: refused and silent servers,
trickled, reset, short, huge and bomb bodies, bad encodings, 5xx and 429, redirect loops, 304."""

from __future__ import annotations

import asyncio
import socket
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from core.errors import FetchError, TransientFetchError
from core.settings import HttpSettings
from core.watchlist import FeedSource, SourceSpec
from sources.decoding import decode_text
from sources.fetcher import FetchedResponse, Fetcher
from sources.web import poll_web_sources, read_web_source
from tests.sources.hostile import HostileServer, gzip_bytes, reply, reset

RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><guid>1</guid><description>First entry text.</description></item>
</channel></rss>"""


def fetch(http: HttpSettings, url: str, **options) -> FetchedResponse:
    async def run() -> FetchedResponse:
        async with Fetcher(http) as fetcher:
            return await fetcher.fetch(url, obey_robots=False, **options)

    return asyncio.run(run())


def failure(http: HttpSettings, url: str, **options) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(http, url, **options)
    return caught.value


def feed_spec(url: str, name: str = "feed") -> SourceSpec:
    return FeedSource(name=name, feed=url, robots="ignore", fetch_articles=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_n1_refused_connection_fails_that_source_only(
    hostile_http: HostileServer, http: HttpSettings
) -> None:
    port = closed_port()
    settings = http.model_copy(update={"allow": (*http.allow, f"127.0.0.1:{port}")})
    hostile_http.routes["/feed"] = reply(RSS, content_type="application/rss+xml")
    sources = [
        (feed_spec(f"http://127.0.0.1:{port}/feed", "down"), {}),
        (feed_spec(hostile_http.url("/feed")), {}),
    ]

    async def run():
        async with Fetcher(settings) as fetcher:
            return await poll_web_sources(fetcher, sources)

    down, up = asyncio.run(run())
    assert isinstance(down, TransientFetchError) and down.reason == "connect_refused"
    assert not isinstance(up, FetchError) and len(up.documents) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://0177.0.0.1/feed.xml",  # a leading zero: httpx's IPv4 parser refuses it
        "http://127.0.0.1:99999/feed.xml",  # a port past 65535
        "http://news..example/feed.xml",  # an empty label: the IDNA codec refuses it
        "http://\udcff.example/feed.xml",  # a lone surrogate in the host
    ],
)
def test_a_malformed_url_fails_that_source_alone_with_its_reason(
    hostile_http: HostileServer, http: HttpSettings, url: str
) -> None:
    assert failure(http, url).reason == "invalid_url"
    hostile_http.routes["/feed"] = reply(RSS, content_type="application/rss+xml")
    sources = [(feed_spec(url, "malformed"), {}), (feed_spec(hostile_http.url("/feed")), {})]

    async def run():
        async with Fetcher(http) as fetcher:
            return await poll_web_sources(fetcher, sources)

    malformed, fine = asyncio.run(run())
    assert isinstance(malformed, FetchError) and not isinstance(malformed, TransientFetchError)
    assert malformed.reason == "invalid_url"
    assert not isinstance(fine, FetchError) and len(fine.documents) == 1


def test_a_redirect_to_a_malformed_url_is_refused_at_that_hop(hostile_http, http) -> None:
    hostile_http.routes["/moved"] = reply(status=302, headers={"Location": "http://0177.0.0.1/feed.xml"})
    assert failure(http, hostile_http.url("/moved")).reason == "invalid_url"
    assert hostile_http.connections == 1


async def _never(request, writer) -> None:
    await asyncio.Event().wait()


async def _trickle(request, writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while True:
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.2)


def test_n2_a_server_that_never_answers_hits_the_total_deadline(hostile_http, http) -> None:
    hostile_http.routes["/never"] = _never
    error = failure(http, hostile_http.url("/never"))
    assert isinstance(error, TransientFetchError) and error.reason == "timeout"
    assert hostile_http.hits("/never") == 1  # a spent deadline is not retried inside the run


def test_n3_slowloris_is_cut_by_the_total_deadline_not_the_read_timeout(hostile_http, http) -> None:
    hostile_http.routes["/slow"] = _trickle
    # Each byte arrives well within the read timeout, so only the total deadline can stop it.
    settings = http.model_copy(update={"total_timeout_s": 1.0})
    error = failure(settings, hostile_http.url("/slow"))
    assert error.reason == "timeout" and "within 1 s" in str(error)


def _trickle_then_reset(seconds: float):
    async def handle(request, writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        started = asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - started < seconds:
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.1)
        reset(writer)

    return handle


def test_the_deadline_covers_every_attempt_of_a_server_that_trickles_then_fails(hostile_http, http) -> None:
    # Each attempt trickles for 1.2 s, then resets (worth a retry): without one deadline over all
    # attempts, three of them would hold the fetch for 3.6 s, more than twice the deadline.
    hostile_http.routes["/drip"] = _trickle_then_reset(1.2)
    settings = http.model_copy(update={"total_timeout_s": 1.5, "retries": 2})
    started = time.monotonic()
    error = failure(settings, hostile_http.url("/drip"))
    elapsed = time.monotonic() - started
    assert error.reason == "timeout" and "within 1.5 s" in str(error)
    assert hostile_http.hits("/drip") == 2  # the second attempt was cut by what was left of the deadline
    assert elapsed < 2 * settings.total_timeout_s


def test_no_backoff_is_slept_past_the_deadline(hostile_http, http) -> None:
    # A reset after 1.2 s with a 1 s backoff ahead: no time is left for another attempt, so the
    # fetch fails at once with the reset, not with a timeout after sleeping.
    hostile_http.routes["/drip"] = _trickle_then_reset(1.2)
    settings = http.model_copy(update={"total_timeout_s": 1.5, "retries": 2, "retry_backoff_s": 1.0})
    error = failure(settings, hostile_http.url("/drip"))
    assert error.reason == "connection_reset" and hostile_http.hits("/drip") == 1


async def _reset_mid_body(request, writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500)
    await writer.drain()
    await asyncio.sleep(0.05)
    reset(writer)


async def _short_body(request, writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500)
    await writer.drain()
    writer.close()


def test_n4_reset_in_mid_body(hostile_http, http) -> None:
    hostile_http.routes["/reset"] = _reset_mid_body
    error = failure(http, hostile_http.url("/reset"))
    assert error.reason == "connection_reset"
    assert hostile_http.hits("/reset") == 2  # one retry inside the deadline


def test_n5_body_shorter_than_content_length(hostile_http, http) -> None:
    hostile_http.routes["/short"] = _short_body
    assert failure(http, hostile_http.url("/short")).reason == "incomplete_body"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_n6_server_errors_are_transient_with_their_status(hostile_http, http, status: int) -> None:
    hostile_http.routes["/err"] = reply(b"oops", status=status)
    error = failure(http, hostile_http.url("/err"))
    assert isinstance(error, TransientFetchError)
    assert (error.reason, error.status_code) == ("server_error", status)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("http-date", 300.0),
        ("soon, maybe", None),
        ("99999999", 3600.0),  # capped
    ],
)
def test_n7_retry_after_is_returned_capped_and_never_slept_on(hostile_http, http, header, expected) -> None:
    if header == "http-date":
        header = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    hostile_http.routes["/busy"] = reply(b"", status=429, headers={"Retry-After": header})
    settings = http.model_copy(update={"retry_after_max_s": 3600.0})
    error = failure(settings, hostile_http.url("/busy"))
    assert error.reason == "rate_limited" and error.status_code == 429
    if expected is None:
        assert error.retry_after_s is None
    else:
        assert error.retry_after_s == pytest.approx(expected, abs=5)
    assert hostile_http.hits("/busy") == 1  # no retry (and no sleep) inside the run


def test_n8_redirect_loop(hostile_http, http) -> None:
    hostile_http.routes["/a"] = reply(b"", status=302, headers={"Location": "/b"})
    hostile_http.routes["/b"] = reply(b"", status=301, headers={"Location": hostile_http.url("/a")})
    assert failure(http, hostile_http.url("/a")).reason == "too_many_redirects"
    assert len(hostile_http.requests) == http.max_redirects + 1


def test_redirects_are_followed_and_the_final_url_kept(hostile_http, http) -> None:
    hostile_http.routes["/old"] = reply(b"", status=301, headers={"Location": "/new"})
    hostile_http.routes["/new"] = reply(b"here")
    page = fetch(http, hostile_http.url("/old"))
    assert (page.content, page.final_url, page.redirects) == (b"here", hostile_http.url("/new"), 1)


def _endless_chunks(sent: list[int]):
    async def handle(request, writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"0" * 65536
        for _ in range(800):  # 50 MiB
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent[0] += len(chunk)
        writer.write(b"0\r\n\r\n")

    return handle


def test_n9_an_endless_chunked_body_is_aborted_at_the_cap(hostile_http, http) -> None:
    sent = [0]
    hostile_http.routes["/big"] = _endless_chunks(sent)
    assert failure(http, hostile_http.url("/big")).reason == "body_too_large"
    assert sent[0] < 50 * 1024 * 1024 / 4  # the client stopped reading long before the end


async def _huge_declared(request, writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
    await writer.drain()
    await asyncio.Event().wait()  # not a single body byte: the refusal must come from the header


def test_n10_a_declared_length_over_the_cap_is_refused_before_reading(hostile_http, http) -> None:
    hostile_http.routes["/declared"] = _huge_declared
    assert failure(http, hostile_http.url("/declared")).reason == "body_too_large"


def _gzip_bomb(sent: list[int]):
    async def handle(request, writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = b"\0" * (1024 * 1024)
        for _ in range(10 * 1024):  # 10 GiB once inflated, about 10 MiB on the wire
            data = packer.compress(zeros)
            if data:
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                sent[0] += len(data)
                await writer.drain()
        tail = packer.flush()
        writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))

    return handle


def test_n11_a_gzip_bomb_stops_once_decoded_bytes_pass_the_cap(hostile_http, http) -> None:
    sent = [0]
    hostile_http.routes["/bomb"] = _gzip_bomb(sent)
    assert failure(http, hostile_http.url("/bomb")).reason == "body_too_large"
    assert sent[0] < 1024 * 1024  # well under 1 MiB compressed was needed to pass a 1 MiB cap


def test_gzip_and_brotli_bodies_are_decoded(hostile_http, http) -> None:
    import brotli

    hostile_http.routes["/gz"] = reply(gzip_bytes(b"hello gzip"), headers={"Content-Encoding": "gzip"})
    hostile_http.routes["/br"] = reply(brotli.compress(b"hello br"), headers={"Content-Encoding": "br"})
    assert fetch(http, hostile_http.url("/gz")).content == b"hello gzip"
    assert fetch(http, hostile_http.url("/br")).content == b"hello br"


def test_a_brotli_bomb_is_stopped_at_the_cap(hostile_http, http) -> None:
    import brotli

    bomb = brotli.compress(b"\0" * (64 * 1024 * 1024))
    hostile_http.routes["/brbomb"] = reply(bomb, headers={"Content-Encoding": "br"})
    assert failure(http, hostile_http.url("/brbomb")).reason == "body_too_large"


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (gzip_bytes(b"x" * 1000)[:-30] + b"garbage" * 10, "gzip"),
        (b"plain text, not gzip", "gzip"),
        (b"x", "zstd-x"),
    ],
)
def test_n12_corrupt_or_false_content_encoding(hostile_http, http, body: bytes, encoding: str) -> None:
    hostile_http.routes["/enc"] = reply(body, headers={"Content-Encoding": encoding})
    assert failure(http, hostile_http.url("/enc")).reason == "decode_error"


def test_n13_html_served_as_a_feed_is_not_a_feed(hostile_http, http) -> None:
    hostile_http.routes["/feed"] = reply(b"<html><body><p>Welcome</p></body></html>")
    with pytest.raises(FetchError) as caught:
        _read(http, feed_spec(hostile_http.url("/feed")))
    assert caught.value.reason == "not_a_feed"


def test_n13_a_feed_served_as_octet_stream_parses_with_a_warning(hostile_http, http) -> None:
    hostile_http.routes["/feed"] = reply(RSS, content_type="application/octet-stream")
    read = _read(http, feed_spec(hostile_http.url("/feed")))
    assert len(read.documents) == 1
    assert read.cursor["fetch"]["warning"]


def test_n14_wrong_or_missing_charset_decodes_without_an_exception() -> None:
    text = "Le café coûte 3 € à Beyrouth, déclare le ministère."
    cp1252 = text.encode("cp1252")
    assert decode_text(cp1252, "text/html; charset=utf-8") == text  # header lies: detection decides
    assert decode_text(cp1252, "") == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode(), "text/html; charset=iso-8859-1") == text  # BOM first
    meta = b'<meta charset="windows-1252"><p>' + cp1252
    assert text in decode_text(meta, "text/html")
    assert decode_text(b"\xff\xfe\x00garbage\x81\x8d", "text/html; charset=nonsense")  # never raises


def test_n15_a_304_parses_nothing_and_keeps_the_cursor(hostile_http, http) -> None:
    hostile_http.routes["/feed"] = reply(RSS, content_type="application/rss+xml", etag='"v1"')
    spec = feed_spec(hostile_http.url("/feed"))
    first = _read(http, spec)
    second = _read(http, spec, first.cursor)
    assert len(first.documents) == 1 and first.cursor["etag"] == '"v1"'
    assert hostile_http.requests[-1].headers["if-none-match"] == '"v1"'
    assert second.documents == () and second.unchanged == 1
    assert second.cursor["fetch"]["status"] == 304 and second.cursor["seen"] == first.cursor["seen"]


def test_an_etag_that_never_changes_is_caught_by_the_body_hash(hostile_http, http) -> None:
    spec = feed_spec(hostile_http.url("/feed"))
    hostile_http.routes["/feed"] = reply(RSS, content_type="application/rss+xml", headers={"ETag": '"same"'})
    first = _read(http, spec)
    changed = RSS.replace(
        b"</channel>",
        b"<item><title>Two</title><guid>2</guid><description>Second.</description></item></channel>",
    )
    hostile_http.routes["/feed"] = reply(
        changed, content_type="application/rss+xml", headers={"ETag": '"same"'}
    )
    second = _read(http, spec, first.cursor)
    third = _read(http, spec, second.cursor)
    assert [d.entry.title for d in second.documents] == ["Two"]
    assert second.cursor["etag_broken"] is True
    assert "if-none-match" not in hostile_http.requests[-1].headers  # no longer trusted
    assert third.documents == () and third.cursor["fetch"]["unchanged_body"] is True


def test_user_agent_names_a_contact_url(hostile_http, http) -> None:
    hostile_http.routes["/ok"] = reply(b"ok")
    fetch(http, hostile_http.url("/ok"))
    agent = hostile_http.requests[-1].headers["user-agent"]
    assert agent.startswith("newswatch/") and "(+https://" in agent


def test_robots_txt_is_honoured_and_can_be_overridden(hostile_http, http) -> None:
    hostile_http.routes["/robots.txt"] = reply(
        b"User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    hostile_http.routes["/private/feed"] = reply(RSS, content_type="application/rss+xml")
    url = hostile_http.url("/private/feed")
    with pytest.raises(FetchError) as caught:
        _read(http, FeedSource(name="s", feed=url, fetch_articles=False))
    assert caught.value.reason == "robots_disallowed" and hostile_http.hits("/private/feed") == 0
    assert (
        len(_read(http, FeedSource(name="s", feed=url, robots="ignore", fetch_articles=False)).documents) == 1
    )


def test_per_host_concurrency_is_bounded(hostile_http, http) -> None:
    state = {"now": 0, "peak": 0}

    async def slow(request, writer) -> None:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.05)
        state["now"] -= 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    hostile_http.routes["/slow"] = slow

    async def run() -> None:
        async with Fetcher(http) as fetcher:
            await asyncio.gather(
                *(fetcher.fetch(hostile_http.url("/slow"), obey_robots=False) for _ in range(8))
            )

    asyncio.run(run())
    assert state["peak"] == http.per_host_concurrency == 2


def _read(http: HttpSettings, spec: SourceSpec, cursor: dict | None = None):
    async def run():
        async with Fetcher(http) as fetcher:
            return await read_web_source(fetcher, spec, cursor or {})

    return asyncio.run(run())


def test_an_article_page_cut_short_is_asked_for_again_at_the_next_poll(hostile_http, http) -> None:
    # incomplete_body is transient, as the fetcher's own retries always said; the entry stays
    # unseen (before, polling's own list did not hold it and the article was given up for good).
    feed = RSS.replace(
        b"<guid>1</guid>", b"<guid>1</guid><link>" + hostile_http.url("/a").encode() + b"</link>"
    )
    feed = feed.replace(b"First entry text.", b"")  # no entry text to stand in for the page
    hostile_http.routes["/feed"] = reply(feed, content_type="application/rss+xml")
    hostile_http.routes["/a"] = _short_body
    spec = FeedSource(name="feed", feed=hostile_http.url("/feed"), robots="ignore")
    first = _read(http, spec)
    assert [f.reason for f in first.failures] == ["incomplete_body"] and first.cursor["seen"] == {}
    hostile_http.routes["/a"] = reply(b"<html><body><p>The article, whole this time.</p></body></html>")
    second = _read(http, spec, first.cursor)
    assert len(second.documents) == 1 and second.documents[0].location == hostile_http.url("/a")
