"""Extraction step: documents to articles, failures recorded with their reason."""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import ExtractionError
from core.records import Document, ExtractedArticle, SourceFailure
from extractors import extract_document


def extract_all(documents: Iterable[Document]) -> tuple[list[ExtractedArticle], list[SourceFailure]]:
    """Articles from documents; documents with no article text or broken content become failures."""
    extracted: list[ExtractedArticle] = []
    failures: list[SourceFailure] = []
    for document in documents:
        try:
            article = extract_document(document)
        except ExtractionError as exc:
            failures.append(SourceFailure(document.source, document.location, exc.reason, str(exc)))
            continue
        if article is None:
            failures.append(
                SourceFailure(document.source, document.location, "no_main_text", "no article text found")
            )
        else:
            extracted.append(article)
    return extracted, failures
