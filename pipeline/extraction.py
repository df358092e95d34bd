"""Extraction step: documents to articles in a bounded worker pool, failures recorded with their reason.

Documents are extracted in parallel, one worker process per core (at most one per document),
each with a time limit per document and a memory cap (extractors.workers). A page that hangs
or blows up the parser becomes a ``SourceFailure`` (``extract_timeout``, ``extract_memory``,
``extract_crashed``) and the rest of the batch goes on.

When a topic is described in words (``like:``), the same workers then embed the new articles,
``BATCH_SIZE`` passages per task, so each article is embedded once, before it is stored. An
embedding batch that fails leaves its articles without embedding (they are stored, and only
the semantic topics cannot match them); a watchlist without such a topic never loads the model.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence

from core.reasons import FailureReason
from core.records import Document, ExtractedArticle, SourceFailure
from extractors.workers import ExtractionPool, Outcome, WorkerLimits
from pipeline.reading import finish_article
from pipeline.worker_tasks import EMBED, EXTRACT, worker_task
from topics.semantic import BATCH_SIZE, passage

LOGGER = logging.getLogger(__name__)
DEFAULT_LIMITS = WorkerLimits()


def extract_all(
    documents: Iterable[Document],
    *,
    workers: int | None = None,
    limits: WorkerLimits = DEFAULT_LIMITS,
    embed: bool = False,
) -> tuple[list[ExtractedArticle], list[SourceFailure]]:
    """Articles from documents (embedded when ``embed``); documents with no article text or
    broken content become failures."""
    batch = list(documents)
    if not batch:
        return [], []
    with extraction_pool(min(workers or os.cpu_count() or 1, len(batch)), limits) as pool:
        return extract_groups([batch], pool, embed=embed)[0]


def extract_groups(
    groups: Sequence[Sequence[Document]], pool: ExtractionPool, *, embed: bool = False
) -> list[tuple[list[ExtractedArticle], list[SourceFailure]]]:
    """``extract_all`` of each group (a source's documents), all in one map of a running pool,
    so its workers stay busy across small groups; then, when ``embed``, one map of the
    articles' embedding batches."""
    outcomes = pool.map([(EXTRACT, document) for group in groups for document in group])
    results = []
    start = 0
    for group in groups:
        results.append(_sort_outcomes(list(group), outcomes[start : start + len(group)]))
        start += len(group)
    if not embed:
        return results
    embedded = iter(embed_articles([article for articles, _ in results for article in articles], pool))
    return [([next(embedded) for _ in articles], failures) for articles, failures in results]


def embed_articles(articles: Sequence[ExtractedArticle], pool: ExtractionPool) -> list[ExtractedArticle]:
    """The articles with their embedding, computed by the pool's workers in batches."""
    passages = [passage(article.title, article.text) for article in articles]
    batches = [passages[start : start + BATCH_SIZE] for start in range(0, len(passages), BATCH_SIZE)]
    vectors: list[bytes | None] = []
    for batch, outcome in zip(batches, pool.map([(EMBED, batch) for batch in batches]), strict=True):
        if outcome.reason is not None:
            LOGGER.warning(
                "embedding %d articles failed (%s): %s", len(batch), outcome.reason, outcome.message
            )
            vectors.extend([None] * len(batch))
        else:
            vectors.extend(outcome.article)
    return [
        dataclasses.replace(article, embedding=vector)
        for article, vector in zip(articles, vectors, strict=True)
    ]


def extraction_pool(workers: int | None = None, limits: WorkerLimits = DEFAULT_LIMITS) -> ExtractionPool:
    """A pool of extraction workers (one per core by default), to use as a context manager."""
    return ExtractionPool(worker_task, workers=workers or os.cpu_count() or 1, limits=limits)


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
