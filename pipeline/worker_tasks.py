"""What an extraction worker process runs (extractors.workers imports this module by name).

Kept apart from pipeline/extraction.py so that a worker imports only the extractors and the
embedding code, not the readers and settings the parent uses.
"""

from __future__ import annotations

from typing import Any

from extractors import extract_document

EXTRACT, EMBED = "extract", "embed"


def worker_task(task: str, payload: Any) -> Any:
    """``extract`` a Document, or ``embed`` a batch of passages (topics.semantic; the model is
    loaded in the worker at its first batch)."""
    if task == EMBED:
        from topics.semantic import embed_passages

        return embed_passages(payload)
    return extract_document(payload)
