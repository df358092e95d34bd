"""Topics described in words through the pipeline, on real SQLite and PostgreSQL, without Prefect:
articles are embedded by the extraction workers, stored with their vector, and a match says why."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.channels import build_channels
from core.settings import Settings
from core.watchlist import (
    AlertPolicy,
    ConsoleChannelSpec,
    DirectorySource,
    StoryUpdates,
    TopicSpec,
    Watchlist,
)
from pipeline.alerting import deliver_due_alerts
from pipeline.extraction import extract_all
from pipeline.ingest import ingest_source
from pipeline.reading import read_source
from pipeline.watchlist import compile_watchlist_topics, sync_watchlist, watchlist_topics
from storage.models import Article, TopicMatch
from tests.topics.test_semantic import LIKE, THRESHOLD, TRUCE, UNRELATED


def _write(folder: Path, name: str, report: tuple[str, str]) -> None:
    title, text = report
    (folder / name).write_text(f"{title}\n\n{text}\n", encoding="utf-8")


def _watchlist(folder: Path, *topics: TopicSpec) -> Watchlist:
    return Watchlist(
        sources=(DirectorySource(name="inbox", directory=folder),),
        topics=topics,
        channels={"console": ConsoleChannelSpec()},
    )


def _articles(engine: Engine) -> dict[str, Article]:
    with Session(engine) as session:
        return {Path(a.location).stem: a for a in session.exec(select(Article)).all()}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for lang in ("en", "fr", "ar"):
        _write(folder, f"truce-{lang}.txt", TRUCE[lang])
    _write(folder, "bank-en.txt", UNRELATED["en"])
    return folder


def test_described_topic_matches_across_languages_stores_vectors_and_alerts_with_the_reason(
    engine: Engine, inbox: Path
) -> None:
    topic = TopicSpec(
        name="Lebanon truce",
        like=LIKE,
        min_similarity=THRESHOLD,
        # (a stored per-article policy with the default updates does not load again: updates off)
        alert=AlertPolicy(mode="per-article", channels=("console",), updates=StoryUpdates(outlets=())),
    )
    watchlist = _watchlist(inbox, topic)
    settings = Settings(_env_file=None)
    sync_watchlist(engine, watchlist)
    matcher = compile_watchlist_topics(watchlist)
    [outcome] = [ingest_source(engine, spec, matcher, settings.story) for spec in watchlist.sources]

    stored = _articles(engine)
    assert sorted(stored) == ["bank-en", "truce-ar", "truce-en", "truce-fr"]
    assert all(article.embedding is not None and len(article.embedding) == 512 for article in stored.values())
    matched = sorted(Path(new.location).stem for new in outcome.new if new.topics)
    assert matched == ["truce-ar", "truce-en", "truce-fr"]
    with Session(engine) as session:
        hits = [match.hits for match in session.exec(select(TopicMatch).order_by(col(TopicMatch.id))).all()]
    assert len(hits) == 3
    for [hit] in hits:
        assert hit["field"] == "like" and hit["like"] == LIKE and hit["score"] >= THRESHOLD
        assert hit["term"] == f'like "{LIKE}" {hit["score"]:.2f}'

    stream = io.StringIO()
    delivery = deliver_due_alerts(engine, build_channels(watchlist.channels, stream=stream), settings.alerts)
    assert delivery.sent == 3
    assert stream.getvalue().count(f'matched: like "{LIKE}" 0.') == 3


def test_a_watchlist_without_described_topics_embeds_nothing(engine: Engine, inbox: Path) -> None:
    watchlist = _watchlist(inbox, TopicSpec(name="Litani", query="Litani"))
    settings = Settings(_env_file=None)
    sync_watchlist(engine, watchlist)
    matcher = compile_watchlist_topics(watchlist)
    assert not matcher.semantic
    ingest_source(engine, watchlist.sources[0], matcher, settings.story)
    assert all(article.embedding is None for article in _articles(engine).values())


def test_semantic_topics_off_leaves_described_topics_out(
    inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watchlist = _watchlist(
        inbox, TopicSpec(name="plain", query="Litani"), TopicSpec(name="described", like=LIKE)
    )
    with caplog.at_level(logging.WARNING):
        topics = watchlist_topics(watchlist, semantic=False)
    assert [topic.name for topic in topics] == ["plain"]
    assert "'described' is described in words" in caplog.text
    assert not compile_watchlist_topics(watchlist, semantic=False).semantic


def test_extraction_workers_embed_in_batches_only_when_asked(inbox: Path) -> None:
    documents = read_source(DirectorySource(name="inbox", directory=inbox), {}).documents
    plain, _ = extract_all(documents, workers=1)
    embedded, _ = extract_all(documents, workers=1, embed=True)
    assert [a.embedding for a in plain] == [None] * 4
    assert [len(a.embedding or b"") for a in embedded] == [512] * 4
