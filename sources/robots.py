"""robots.txt, fetched once per site and run and honoured for every fetch (RFC 9309).

A missing robots.txt (any 4xx) allows everything; one that cannot be read (5xx, timeout,
refused) disallows the site for this run, as RFC 9309 asks, so an overloaded site is not
crawled blind. Sources the user owns can skip this with ``robots: ignore`` in the watchlist.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from core.errors import FetchError
from core.reasons import FailureReason
from sources.decoding import decode_text

LOGGER = logging.getLogger(__name__)
MAX_ROBOTS_BYTES = 500 * 1024  # Google reads the first 500 KiB
_NOT_ROBOTS_FAULTS = frozenset(
    {
        FailureReason.EGRESS_DENIED,
        FailureReason.UNSUPPORTED_SCHEME,
        FailureReason.INVALID_URL,
        FailureReason.DNS_ERROR,
    }
)


class _Body(Protocol):
    @property
    def content(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


RobotsFetch = Callable[[str], Awaitable[_Body]]


# Parsed robots.txt files outlive one poll (RFC 9309 allows caching up to 24 h): a process that
# polls every few minutes asks each site for robots.txt about once an hour, not once per poll.
_SHARED: dict[str, tuple[float, RobotFileParser]] = {}
TTL_S = 3600.0


class RobotsCache:
    """One parsed robots.txt per site (scheme, host, port), fetched on first use, kept ``TTL_S``."""

    def __init__(self, fetch: RobotsFetch, *, ttl_s: float = TTL_S) -> None:
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str, agent: str) -> bool:
        """Whether ``agent`` may fetch ``url`` according to the site's robots.txt."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(site, asyncio.Lock())
        async with lock:
            cached = _SHARED.get(site)
            if cached is None or time.monotonic() - cached[0] > self._ttl_s:
                parser = await self._load(site)
                cached = (time.monotonic(), parser)
                # an unreadable robots.txt is asked for again on the next poll
                if not getattr(parser, "disallow_all", False):
                    _SHARED[site] = cached
        return cached[1].can_fetch(agent, url)

    async def _load(self, site: str) -> RobotFileParser:
        parser = RobotFileParser(f"{site}/robots.txt")
        try:
            body = await self._fetch(f"{site}/robots.txt")
        except FetchError as exc:
            if exc.reason in _NOT_ROBOTS_FAULTS:
                raise  # the site itself may not be fetched: say why, not "robots unreadable"
            if exc.status_code is not None and 400 <= exc.status_code < 500 and exc.status_code != 429:
                parser.allow_all = True  # type: ignore[attr-defined]  # missing from typeshed
            else:
                LOGGER.warning("robots.txt of %s unreadable (%s): not crawling it this run", site, exc.reason)
                parser.disallow_all = True  # type: ignore[attr-defined]
            return parser
        text = decode_text(body.content[:MAX_ROBOTS_BYTES], body.content_type)
        parser.parse(text.splitlines())
        return parser


def forget_robots() -> None:
    """Drop every cached robots.txt (tests, or after changing the User-Agent)."""
    _SHARED.clear()
