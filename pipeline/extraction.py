"""Extraction step: documents to articles in a bounded worker pool, failures recorded with their reason.

Documents are extracted in parallel, one worker process per core (at most one per document),
each with a time limit per document and a memory cap (extractors.workers). A page that hangs
or blows up the parser becomes a ``SourceFailure`` (``extract_timeout``, ``extract_memory``,
``extract_crashed``) and the rest of the batch goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from core.reasons import FailureReason
from core.records import Document, ExtractedArticle, SourceFailure
from extractors import extract_document
from extractors.workers import ExtractionPool, Outcome, WorkerLimits
from pipeline.reading import finish_article

DEFAULT_LIMITS = WorkerLimits()


def extract_all(
    documents: Iterable[Document], *, workers: int | None = None, limits: WorkerLimits = DEFAULT_LIMITS
) -> tuple[list[ExtractedArticle], list[SourceFailure]]:
    """Articles from documents; documents with no article text or broken content become failures."""
    batch = list(documents)
    if not batch:
        return [], []
    with extraction_pool(min(workers or os.cpu_count() or 1, len(batch)), limits) as pool:
        return _sort_outcomes(batch, pool.map(batch))


def extract_groups(
    groups: Sequence[Sequence[Document]], pool: ExtractionPool
) -> list[tuple[list[ExtractedArticle], list[SourceFailure]]]:
    """``extract_all`` of each group (a source's documents), all in one map of a running pool,
    so its workers stay busy across small groups."""
    outcomes = pool.map([document for group in groups for document in group])
    results = []
    start = 0
    for group in groups:
        results.append(_sort_outcomes(list(group), outcomes[start : start + len(group)]))
        start += len(group)
    return results


def extraction_pool(workers: int | None = None, limits: WorkerLimits = DEFAULT_LIMITS) -> ExtractionPool:
    """A pool of extraction workers (one per core by default), to use as a context manager."""
    return ExtractionPool(extract_document, workers=workers or os.cpu_count() or 1, limits=limits)


def _sort_outcomes(
    batch: list[Document], outcomes: list[Outcome]
) -> tuple[list[ExtractedArticle], list[SourceFailure]]:
    extracted: list[ExtractedArticle] = []
    failures: list[SourceFailure] = []
    for document, outcome in zip(batch, outcomes, strict=True):
        if outcome.reason is not None and document.entry is None:
            failures.append(
                SourceFailure(document.source, document.location, outcome.reason, outcome.message)
            )
            continue
        # a web article whose page failed: its feed entry may stand in (finish_article)
        article = finish_article(document, outcome.article)
        if article is None:
            failures.append(
                SourceFailure(
                    document.source, document.location, FailureReason.NO_MAIN_TEXT, "no article text found"
                )
            )
        else:
            extracted.append(article)
    return extracted, failures
