"""The egress guard refuses before connecting, at every hop: loopback in all its spellings, hosts
resolving to private or metadata addresses, redirects to them, DNS rebinding, non-http links."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from core.errors import FetchError
from core.settings import HttpSettings
from core.watchlist import FeedSource
from sources.egress import EgressGuard, parse_allow, refusal
from sources.fetcher import Fetcher
from sources.web import read_web_source
from tests.sources.hostile import HostileServer, reply


def _fetch(http: HttpSettings, url: str, resolver=None):
    async def run():
        async with Fetcher(http, resolver=resolver) as fetcher:
            return await fetcher.fetch(url, obey_robots=False)

    return asyncio.run(run())


def _refused(http: HttpSettings, url: str, resolver=None) -> FetchError:
    with pytest.raises(FetchError) as caught:
        _fetch(http, url, resolver)
    return caught.value


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]"],
)
def test_s1_loopback_in_any_spelling_is_refused_with_zero_connections(
    hostile_http: HostileServer, host: str
) -> None:
    hostile_http.routes["/"] = reply(b"secret")
    error = _refused(HttpSettings(), f"http://{host}:{hostile_http.port}/")
    assert error.reason == "egress_denied"
    assert hostile_http.connections == 0


def test_s1_another_loopback_port_than_the_allowed_one_is_refused(hostile_http, http) -> None:
    other = HostileServer()
    other.start()
    try:
        assert _refused(http, other.url("/")).reason == "egress_denied"
        assert other.connections == 0
        hostile_http.routes["/"] = reply(b"fine")
        assert _fetch(http, hostile_http.url("/")).content == b"fine"  # the allowed port still works
    finally:
        other.stop()


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "10.1.2.3",
        "100.64.0.1",
        "192.168.1.1",
        "fd00::1",
        "fe80::1",
        "224.0.0.1",
        "240.0.0.1",
    ],
)
def test_s2_names_resolving_to_private_addresses_are_refused_before_connect(
    hostile_http, address: str
) -> None:
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return [address]

    error = _refused(HttpSettings(), f"http://news.example:{hostile_http.port}/feed", resolver)
    assert error.reason == "egress_denied" and asked == ["news.example"]
    assert hostile_http.connections == 0


def test_s2_one_private_answer_among_public_ones_is_enough_to_refuse() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.1"]

    with pytest.raises(FetchError) as caught:
        asyncio.run(EgressGuard(resolver=resolver).pick_address("mixed.example", 80))
    assert caught.value.reason == "egress_denied"


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:1/", "file:///etc/passwd", "gopher://x/"],
)
def test_s3_a_redirect_to_metadata_or_loopback_is_refused_at_that_hop(
    hostile_http, http, target: str
) -> None:
    hostile_http.routes["/feed"] = reply(b"", status=302, headers={"Location": target})
    error = _refused(http, hostile_http.url("/feed"))
    assert error.reason in ("egress_denied", "unsupported_scheme")
    assert hostile_http.connections == 1  # the allowed first hop only


def test_s4_dns_rebinding_connects_to_the_checked_address_or_refuses(hostile_http: HostileServer) -> None:
    answers = iter(["127.0.0.1", "10.0.0.1"])  # "public" (allowed here) first, then private
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return [next(answers)]

    hostile_http.routes["/feed"] = reply(b"ok")
    http = HttpSettings(allow=(f"127.0.0.1:{hostile_http.port}",), min_host_spacing_s=0)
    url = f"http://rebind.example:{hostile_http.port}/feed"

    async def run():
        async with Fetcher(http, resolver=resolver) as fetcher:
            first = await fetcher.fetch(url, obey_robots=False)
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(
                    url, obey_robots=False
                )  # the server closed: a new connection resolves again
            return first, caught.value

    first, error = asyncio.run(run())
    assert first.content == b"ok" and hostile_http.connections == 1
    assert error.reason == "egress_denied" and asked == ["rebind.example", "rebind.example"]
    assert hostile_http.requests[0].headers["host"] == f"rebind.example:{hostile_http.port}"


def test_s5_entry_links_with_other_schemes_are_never_fetched(hostile_http, http) -> None:
    feed = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>A</title><link>file:///etc/passwd</link><description>Entry A text.</description></item>
    <item><title>B</title><link>gopher://example.org/1</link><description>Entry B text.</description></item>
    <item><title>C</title><link>ftp://example.org/c</link></item>
    <item><title>D</title><link>javascript:alert(1)</link></item>
    </channel></rss>"""
    hostile_http.routes["/feed"] = reply(feed, content_type="application/rss+xml")

    async def run():
        async with Fetcher(http) as fetcher:
            return await read_web_source(
                fetcher, FeedSource(name="s", feed=hostile_http.url("/feed"), robots="ignore"), {}
            )

    read = asyncio.run(run())
    assert [r.path for r in hostile_http.requests] == ["/feed"]
    assert sorted(d.entry.title for d in read.documents) == ["A", "B"]  # their own text stands in
    assert all(d.content == b"" and not d.location.startswith(("file:", "gopher:")) for d in read.documents)
    assert {f.reason for f in read.failures} == {"no_link"}


def test_refusal_covers_every_non_public_range() -> None:
    for text in [
        "127.0.0.2",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "::",
    ]:
        assert refusal(ipaddress.ip_address(text)) is not None, text
    for text in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]:
        assert refusal(ipaddress.ip_address(text)) is None, text


def test_allow_list_entries_name_an_address_or_network_and_optionally_a_port() -> None:
    rules = parse_allow(["127.0.0.1:8080", "10.0.0.0/8", "[::1]:9000"])
    guard = EgressGuard(["127.0.0.1:8080", "10.0.0.0/8", "[::1]:9000"])
    assert len(rules) == 3
    assert guard.permitted(ipaddress.ip_address("127.0.0.1"), 8080)
    assert not guard.permitted(ipaddress.ip_address("127.0.0.1"), 8081)
    assert guard.permitted(ipaddress.ip_address("10.9.9.9"), 443)
    assert guard.permitted(ipaddress.ip_address("::1"), 9000)
    assert not guard.permitted(ipaddress.ip_address("::1"), 9001)
