"""Feeds, sitemaps and listing pages parsed in bounded worker processes, for a run's poll: one
hostile document never takes the run down.

The worker code is the extraction pool's (extractors/workers.py: a time limit per document, a
memory cap, a killed worker replaced); here it runs ``sources.parsing.parse_reply`` instead of
the extractor. That pool serves one thread at a time, so each of ``workers`` threads owns a
one-process pool, and the poll's event loop hands every parse to those threads. A document that
overruns its budget fails its source with ``parse_timeout``, ``parse_memory`` or
``parse_crashed``; the other sources go on.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, cast

from core.errors import FetchError
from core.reasons import FailureReason
from extractors.workers import ExtractionPool, Task, WorkerLimits
from sources.parsing import parse_reply, raise_reply

PARSE_LIMITS = WorkerLimits(timeout_s=10.0, memory_mb=1024)


class WorkerParser:
    """A ``sources.parsing.Parser`` that parses in worker processes; use as a context manager."""

    def __init__(self, *, workers: int | None = None, limits: WorkerLimits = PARSE_LIMITS) -> None:
        self.limits = limits
        self._threads = ThreadPoolExecutor(
            max_workers=workers or os.cpu_count() or 1, thread_name_prefix="parse"
        )
        self._local = threading.local()
        self._pools: list[ExtractionPool] = []
        self._lock = threading.Lock()

    def __enter__(self) -> WorkerParser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._threads.shutdown(wait=True)
        for pool in self._pools:
            pool.__exit__(kind, exc, tb)

    async def __call__(self, kind: str, *args: Any) -> Any:
        """``parse_document(kind, *args)`` in a worker; FetchError as the parser raised it, or with
        the worker's reason when it overran its budget."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._parse, kind, args)

    def _parse(self, kind: str, args: tuple[Any, ...]) -> Any:
        (outcome,) = self._pool().map([(kind, *args)])
        if outcome.reason is not None:
            reason = FailureReason(outcome.reason.replace("extract_", "parse_"))  # parse_timeout, ...
            location = str(args[1])  # every parser takes the content, then its URL
            raise FetchError(
                f"{location}: {kind} not parsed: {outcome.message}", location=location, reason=reason
            )
        return raise_reply(cast(tuple[str, Any], outcome.article))

    def _pool(self) -> ExtractionPool:
        """This thread's one-process pool (its worker starts on its first document)."""
        pool: ExtractionPool | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = ExtractionPool(cast(Task, parse_reply), workers=1, limits=self.limits)
            self._local.pool = pool
            with self._lock:
                self._pools.append(pool)
        return pool
