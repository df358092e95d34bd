"""A connection pool per host: no request in flight is closed; idle pools beyond the bound are."""

from __future__ import annotations

import asyncio

import httpx

from sources.egress import EgressGuard
from sources.fetcher import HostPools
from tests.sources.hostile import HostileServer, Request, response_bytes


async def _any_host_is_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def _slow(request: Request, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(0.2)
    writer.write(response_bytes(200, request.headers["host"].encode()))


def test_twelve_hosts_at_once_with_room_for_two_idle_pools(hostile_http: HostileServer) -> None:
    hostile_http.routes["/"] = _slow
    pools = HostPools(
        EgressGuard((f"127.0.0.1:{hostile_http.port}",), _any_host_is_loopback),
        limits=httpx.Limits(max_connections=4),
        keep=2,
    )

    async def run() -> tuple[list[httpx.Response], int, int]:
        async with httpx.AsyncClient(transport=pools) as client:
            urls = [f"http://site-{i}.test:{hostile_http.port}/" for i in range(12)]
            answers = await asyncio.gather(*(client.get(url) for url in urls))
            open_after_poll = len(pools)
            await client.get(f"http://site-last.test:{hostile_http.port}/")
            return answers, open_after_poll, len(pools)

    answers, open_after_poll, open_after_next = asyncio.run(run())
    # Every request was in flight while more than two hosts had pools: none was cut off.
    assert [a.status_code for a in answers] == [200] * 12
    assert [a.text for a in answers] == [f"site-{i}.test:{hostile_http.port}" for i in range(12)]
    assert open_after_poll > 2
    # The next request closes the idle surplus, keeping its own host and the most recent other.
    assert open_after_next == 2
