"""The misses listing: which pages' titles and dates newswatch gets wrong, and the likely cause."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from benchmarks.extraction import load_pages
from benchmarks.metadata_misses import _spelled_in, find_misses

BODY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.",
        "Officials said the talks would resume next week after consultations with the armed group.",
    )
)


def _save(folder: Path, page_id: str, html: str, truth: dict[str, str]) -> None:
    (folder / "html").mkdir(exist_ok=True)
    (folder / "ground-truth").mkdir(exist_ok=True)
    (folder / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode()))
    record = {"url": f"https://news.example.org/{page_id}", "ground_truth": truth}
    record["_internal"] = {"page_type": {"primary": "article"}}  # type: ignore[assignment]
    (folder / "ground-truth" / f"{page_id}.json").write_text(json.dumps(record))


def test_only_the_fields_that_miss_are_listed_with_a_cause(tmp_path: Path) -> None:
    dates = {"@type": "NewsArticle", "datePublished": "2025-06-17", "dateModified": "2025-12-18"}
    ld = f'<script type="application/ld+json">{json.dumps(dates)}</script>'
    page = f"<html><head><title>Envoy meets premier | Daily</title>{ld}</head><body><article>"
    page += f"<h1>Envoy meets premier</h1>{BODY}</article></body></html>"
    _save(tmp_path, "0001", page, {"title": "Envoy meets premier", "publish_date": "2025-12-18"})
    _save(tmp_path, "0002", page, {"title": "Envoy meets premier in Beirut", "publish_date": "2025-06-17"})
    misses = list(find_misses(load_pages(tmp_path, None), {"title", "date"}))
    assert [(miss.page_id, miss.field, miss.cause) for miss in misses] == [
        ("0001", "date", "truth is our modified date"),
        ("0002", "title", "ours is cut short (over-stripped or truncated)"),
    ]
    assert misses[0].provenance == "json-ld" and misses[1].provenance == "h1"


def test_a_truth_date_written_with_an_ordinal_or_dashes_counts_as_written_in_the_page() -> None:
    page = "<p>Last Updated: <strong>December 15th 2025</strong></p><p>Post time: 01-04-2024</p>"
    assert _spelled_in(date(2025, 12, 15), page)
    assert _spelled_in(date(2024, 1, 4), page)
    assert not _spelled_in(date(2024, 1, 5), page)
