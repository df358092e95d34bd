"""Golden tests: the two seed reports, from shared/corpus/seeds and from samples/reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.records import Document, ExtractedArticle
from extractors import extract_document

HERE = Path(__file__).resolve()
SEED_DIRS = {
    "shared-seeds": HERE.parents[3] / "shared/corpus/seeds",
    "samples-reports": HERE.parents[2] / "samples/reports",
}
BOILERPLATE = (
    "Avatar",
    "Leave a Reply",
    "Your email address",
    "Required fields",
    "Lorem ipsum",
    "Liyana Parker",
)
HEADLINE_001 = "US asked Lebanon to declare unilateral ceasefire with Israel, sources say"


def _extract_seed(folder: str, prefix: str) -> ExtractedArticle:
    directory = SEED_DIRS[folder]
    paths = sorted(directory.glob(f"{prefix}_*.txt"))
    if not paths:
        pytest.skip(f"seed {prefix}_*.txt not found in {directory}")
    document = Document(
        source=folder,
        location=str(paths[0]),
        content=paths[0].read_bytes(),
        media_type="text/plain",
        retrieved_at=datetime(2024, 11, 2, tzinfo=UTC),
    )
    article = extract_document(document)
    assert article is not None
    return article


@pytest.fixture(params=sorted(SEED_DIRS))
def folder(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _assert_clean_body(article: ExtractedArticle) -> None:
    for phrase in BOILERPLATE:
        assert phrase not in article.text
    assert "\n\n\n" not in article.text
    assert article.text == article.text.strip()
    assert article.language == "en"
    assert article.word_count > 100
    assert len(article.content_hash) == 64


def test_seed_000_has_header_date_and_derived_title(folder: str) -> None:
    article = _extract_seed(folder, "000")
    assert article.published == datetime(2024, 11, 1, tzinfo=UTC)
    assert article.published_source == "header"
    assert article.title_derived is True
    assert article.title is not None
    assert article.title.startswith("A U.S. envoy this week asked Lebanon to declare a unilateral cease-fire")
    assert len(article.title) <= 90
    assert article.text.startswith("A U.S. envoy this week asked Lebanon")
    assert "date 2024-11-01" not in article.text
    assert article.text.endswith("which concluded the Second Lebanon War in 2006.")
    assert article.text.count("\n\n") == 8  # nine paragraphs, one per line of the file
    _assert_clean_body(article)


def test_seed_001_has_headline_and_no_invented_date(folder: str) -> None:
    article = _extract_seed(folder, "001")
    assert article.title == HEADLINE_001
    assert article.title_derived is False
    assert article.published is None
    assert article.published_source is None
    assert HEADLINE_001 not in article.text
    assert article.text.startswith("The U.S. asked Lebanon to declare a unilateral ceasefire with Israel")
    assert article.text.endswith("where it would likely be equated with a surrender.")
    _assert_clean_body(article)


def test_seeds_are_two_different_articles(folder: str) -> None:
    first, second = _extract_seed(folder, "000"), _extract_seed(folder, "001")
    assert first.content_hash != second.content_hash
