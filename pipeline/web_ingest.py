"""Ingesting every web source of a run together: one event loop and one ``Fetcher`` for all of
them, so per-host concurrency and spacing hold across the whole run, not per source.

Each source's read is handed over as soon as it is there. Whatever has arrived is extracted
in the run's extraction pool (started at the first document, shared by every source) by one
thread, then stored by another while the next batch is extracted: each source in a transaction
of its own together with its new cursor, or its failure recorded, and its lease handed back. So
a source that hangs delays nobody but itself (up to its fetch deadline), and a failing one gets
its own failure record. Feeds, sitemaps and listing pages are parsed in bounded worker
processes (pipeline/parse_workers.py): the readers get that parser handed in, the fetcher only
fetches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from core.errors import FetchError, PipelineError
from core.records import ExtractedArticle, SourceFailure, SourceRead
from core.settings import HttpSettings, StorySettings
from core.watchlist import WebSource
from pipeline.extraction import extract_groups, extraction_pool
from pipeline.ingest import IngestJob, load_cursors, record_failed_source
from pipeline.leasing import lease_kept
from pipeline.outcomes import SourceOutcome
from pipeline.parse_workers import WorkerParser
from pipeline.storing import store_quiet_reads, store_read
from sources.egress import Resolver
from sources.fetcher import Fetcher
from sources.parsing import Parser
from sources.web import poll_web_sources
from storage import leases
from storage.engine import transaction
from storage.models import utcnow
from topics.matcher import TopicMatcher

Extracted = tuple[list[ExtractedArticle], list[SourceFailure]]


@dataclass(frozen=True, slots=True)
class _Arrival:
    """One source's read (or the error that failed it), and when it came in."""

    spec: WebSource
    result: SourceRead | FetchError
    at: datetime


def ingest_web_sources(
    engine: Engine,
    specs: Sequence[WebSource],
    matcher: TopicMatcher,
    stories: StorySettings,
    http: HttpSettings,
    *,
    owner: str,
    lease_seconds: float | None = None,
    resolver: Resolver | None = None,
    parser: WorkerParser | None = None,
) -> list[SourceOutcome]:
    """Poll the web sources ``specs`` (leased to ``owner``) at once, store each as it arrives and
    hand its lease back; one outcome per source, in order. Never raises for a bad source.

    Feeds, sitemaps and listing pages are parsed by ``parser`` (by default worker processes
    with ``PARSE_LIMITS``, started at the first document to parse).
    """
    if not specs:
        return []
    names = [spec.name for spec in specs]
    cursors = load_cursors(engine, names)
    store = _Store(engine, matcher, stories, owner)
    with ExitStack() as stack:
        stack.callback(store.release_rest, names)
        stack.enter_context(
            lease_kept(engine, names, owner, lease_seconds) if lease_seconds else nullcontext()
        )
        stack.enter_context(store.pool)
        parse = stack.enter_context(parser or WorkerParser())
        fetcher = Fetcher(http, resolver=resolver)
        sources = [(spec, cursors[spec.name]) for spec in specs]
        asyncio.run(_poll_and_store(store, fetcher, parse, sources))
    return [store.outcomes[name] for name in names]


def ingest_job_web_sources(job: IngestJob, specs: Sequence[WebSource]) -> list[SourceOutcome]:
    """``ingest_web_sources`` with the job's engine, matcher, settings and lease."""
    return ingest_web_sources(job.engine, specs, job.matcher, job.stories, job.http, **job.lease)


async def _poll_and_store(
    store: _Store, fetcher: Fetcher, parse: Parser, sources: list[tuple[WebSource, dict[str, Any]]]
) -> None:
    """Fetch on this loop while one thread stores whatever has arrived, batch by batch."""
    arrivals: asyncio.Queue[_Arrival | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def arrived(spec: WebSource, result: SourceRead | FetchError) -> None:
        arrivals.put_nowait(_Arrival(spec, result, utcnow()))

    async def keep_storing(extractor: ThreadPoolExecutor, storer: ThreadPoolExecutor) -> None:
        stored: asyncio.Future[None] | None = None  # batch n is stored while n + 1 is extracted
        while True:
            batch = [await arrivals.get()]
            while not arrivals.empty():
                batch.append(arrivals.get_nowait())
            ready = [arrival for arrival in batch if arrival is not None]
            if ready:
                extracted = await loop.run_in_executor(extractor, store.extract, ready)
                if stored is not None:
                    await stored
                stored = loop.run_in_executor(storer, store.take, ready, extracted)
            if None in batch:
                if stored is not None:
                    await stored
                return

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract") as extractor,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as storer,
    ):
        storing = asyncio.create_task(keep_storing(extractor, storer))
        try:
            async with fetcher:
                await poll_web_sources(fetcher, sources, on_read=arrived, parse=parse)
        finally:
            arrivals.put_nowait(None)
            await storing


def _is_quiet(read: SourceRead) -> bool:
    """Nothing new and nothing failed (a 304, an unchanged body, no unseen entry)."""
    return not read.documents and not read.failures


def _busy(arrivals: list[_Arrival]) -> list[tuple[_Arrival, SourceRead]]:
    return [(a, a.result) for a in arrivals if isinstance(a.result, SourceRead) and not _is_quiet(a.result)]


class _Store:
    """The storing side of a run: extraction pool, one transaction per source, leases handed back.

    ``extract`` runs in one thread (the extraction pool serves one thread), ``take`` in another.
    """

    def __init__(self, engine: Engine, matcher: TopicMatcher, stories: StorySettings, owner: str) -> None:
        self.engine, self.matcher, self.stories, self.owner = engine, matcher, stories, owner
        self.outcomes: dict[str, SourceOutcome] = {}
        self.pool = extraction_pool()  # its workers start at the first document to extract

    def extract(self, arrivals: list[_Arrival]) -> list[Extracted]:
        """The articles and failures of each arrived source that has something new, in order."""
        groups = [read.documents for _, read in _busy(arrivals)]
        return extract_groups(groups, self.pool, embed=self.matcher.semantic)

    def take(self, arrivals: list[_Arrival], extracted: list[Extracted]) -> None:
        """Store (or record the failure of) each arrived source, then hand their leases back."""
        quiet = [
            (a.result, a.at) for a in arrivals if isinstance(a.result, SourceRead) and _is_quiet(a.result)
        ]
        if quiet:  # the usual poll: many sources answer 304, recorded together
            self._record_quiet(quiet)
        for (arrival, read), (articles, failures) in zip(_busy(arrivals), extracted, strict=True):
            self.outcomes[read.source] = self._stored(arrival, read, articles, failures)
        for arrival in arrivals:
            if isinstance(arrival.result, FetchError):
                self.outcomes[arrival.spec.name] = record_failed_source(
                    self.engine, arrival.spec.name, arrival.result, arrival.at
                )
        self._release([arrival.spec.name for arrival in arrivals])

    def _stored(
        self,
        arrival: _Arrival,
        read: SourceRead,
        extracted: list[ExtractedArticle],
        failures: list[SourceFailure],
    ) -> SourceOutcome:
        try:
            return store_read(self.engine, read, extracted, failures, self.matcher, self.stories, arrival.at)
        except PipelineError as exc:
            return record_failed_source(self.engine, read.source, exc, arrival.at)

    def _record_quiet(self, quiet: list[tuple[SourceRead, datetime]]) -> None:
        try:
            outcomes = store_quiet_reads(self.engine, quiet)
        except PipelineError as exc:
            outcomes = [record_failed_source(self.engine, read.source, exc, at) for read, at in quiet]
        self.outcomes.update((outcome.source, outcome) for outcome in outcomes)

    def _release(self, names: list[str]) -> None:
        with transaction(self.engine) as session:
            leases.release_sources(session=session, names=names, owner=self.owner)

    def release_rest(self, names: list[str]) -> None:
        """Hand back the leases of sources that never arrived (the run broke off)."""
        rest = [name for name in names if name not in self.outcomes]
        if rest:
            self._release(rest)
