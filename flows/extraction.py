"""Extraction step: documents to articles, failures recorded with their reason."""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import ExtractionError
from core.records import Document, ExtractedArticle, SourceFailure
from extractors import extract_document
from flows.reading import finish_article


def extract_all(documents: Iterable[Document]) -> tuple[list[ExtractedArticle], list[SourceFailure]]:
    """Articles from documents; documents with no article text or broken content become failures."""
    extracted: list[ExtractedArticle] = []
    failures: list[SourceFailure] = []
    for document in documents:
        try:
            article = extract_document(document)
        except ExtractionError as exc:
            if document.entry is None:
                failures.append(SourceFailure(document.source, document.location, exc.reason, str(exc)))
                continue
            article = None  # a web article: its feed entry may stand in (finish_article)
        article = finish_article(document, article)
        if article is None:
            failures.append(
                SourceFailure(document.source, document.location, "no_main_text", "no article text found")
            )
        else:
            extracted.append(article)
    return extracted, failures
