"""Web sources: one entry point that reads a feed, sitemap, listing page or single page.

``read_web_source`` reads one source with a shared ``Fetcher``; ``poll_web_sources`` reads many
at once (asyncio inside one task: never a task per article), within the fetcher's per-host
limits and at most ``max_concurrent_sources`` at a time, and returns each source's
``SourceRead`` or the ``FetchError`` that failed it (also handed to a callback as soon as it is
there), so one bad source never delays or stops the others. The readers (sources/readers.py)
parse with the ``Parser`` handed in: in this process unless the caller gives another (the
pipeline's worker processes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from core.errors import FetchError
from core.records import SourceRead
from core.watchlist import WebSource
from sources.fetcher import Fetcher
from sources.parsing import Parser, parse_here
from sources.readers import READERS

LOGGER = logging.getLogger(__name__)


async def read_web_source(
    fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any], parse: Parser = parse_here
) -> SourceRead:
    """New documents of one web source since ``cursor``; FetchError when the source fails as a whole."""
    try:
        reader = READERS[spec.kind]
    except KeyError:
        raise FetchError(f"{spec.name} is not a web source", location=str(spec.location)) from None
    return await reader(fetcher, spec, dict(cursor), parse)


async def poll_web_sources(
    fetcher: Fetcher,
    sources: Sequence[tuple[WebSource, dict[str, Any]]],
    on_read: Callable[[WebSource, SourceRead | FetchError], None] | None = None,
    *,
    parse: Parser = parse_here,
) -> list[SourceRead | FetchError]:
    """Each source's read or the error that failed it, in the order given; all polled concurrently.

    ``on_read`` is called with each source's result as soon as it is there, so the caller can
    store one source while others are still being fetched.
    """
    limit = asyncio.Semaphore(fetcher.http.max_concurrent_sources)

    async def one(spec: WebSource, cursor: dict[str, Any]) -> SourceRead | FetchError:
        async with limit:
            result = await _read_or_error(fetcher, spec, cursor, parse)
        if on_read is not None:
            on_read(spec, result)
        return result

    return list(await asyncio.gather(*(one(spec, cursor) for spec, cursor in sources)))


async def _read_or_error(
    fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any], parse: Parser
) -> SourceRead | FetchError:
    try:
        return await read_web_source(fetcher, spec, cursor, parse)
    except FetchError as exc:  # recorded by the caller, with the source's health
        return exc
