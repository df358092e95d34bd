"""The bounded worker pool: a hanging or memory-hungry document is stopped and the batch goes on."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import cast

import pytest

from core.records import ExtractedArticle
from extractors.workers import MEMORY_REASON, PROJECT_ROOT, TIMEOUT_REASON, ExtractionPool, Task, WorkerLimits

ARTICLE = (
    "<html><body><article>"
    + "<p>The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.</p>" * 3
    + "</article></body></html>"
)


def slow_or_greedy(kind: str) -> ExtractedArticle | None:
    """A stand-in for a pathological page: hangs, allocates without bound, or is fine."""
    if kind == "hang":
        time.sleep(60)
    if kind == "greedy":
        blocks = []
        while True:
            blocks.append(bytearray(50 * 1024 * 1024))
    if kind == "bug":
        raise KeyError("oops")
    return ExtractedArticle(location=kind, title=kind, title_derived=False, text=kind)


def test_hanging_and_greedy_documents_are_stopped_and_the_batch_goes_on() -> None:
    limits = WorkerLimits(timeout_s=10.0, memory_mb=500, max_tasks=2)
    with ExtractionPool(slow_or_greedy, workers=2, limits=limits) as pool:
        outcomes = pool.map(["ok-1", "hang", "greedy", "bug", "ok-2", "ok-3"])
        peaks = pool.peak_rss_mb()
    assert [o.reason for o in outcomes] == [None, TIMEOUT_REASON, MEMORY_REASON, "extract_failed", None, None]
    assert [o.article.text for o in outcomes if o.article] == ["ok-1", "ok-2", "ok-3"]
    assert peaks and all(peak > 0 for peak in peaks)


def test_the_real_extractor_runs_in_the_pool() -> None:
    with ExtractionPool(workers=1) as pool:
        outcomes = pool.map([(ARTICLE, "https://news.example.org/a"), ("", None)])
    assert outcomes[0].article is not None
    assert outcomes[0].article.text.startswith("The envoy met")
    assert outcomes[1].reason == "file_empty"


def import_path(_: str) -> list[str]:
    """The worker's ``sys.path`` (passed back as the "article"), once the watchlist's models are
    imported: pydantic imports the standard library's ``secrets``."""
    importlib.import_module("core.watchlist")
    return list(sys.path)


def test_workers_import_from_the_project_root_not_from_the_parents_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefect puts a flow's folder on ``sys.path`` (and may run there): a module in it named after
    a standard-library module must not reach the workers."""
    (tmp_path / "secrets.py").write_text("raise ImportError('the shadowing secrets.py was imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with ExtractionPool(cast(Task, import_path), workers=1) as pool:
        [reply] = pool.map(["?"])
    assert reply.reason is None, reply.message
    path = cast(list[str], reply.article)
    assert str(tmp_path) not in path and "" not in path
    assert path[0] == str(PROJECT_ROOT)
