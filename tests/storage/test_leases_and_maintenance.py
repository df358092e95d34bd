"""Source leases for overlapping runs, and the maintenance pass, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.records import ExtractedArticle, SourceFailure
from storage import articles, catalog, leases
from storage.engine import transaction
from storage.maintenance import prune, tidy
from storage.models import Article, IngestFailure, Source, id_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LEASE = timedelta(minutes=15)


def _sources(engine: Engine, *names: str) -> None:
    with transaction(engine) as session:
        for name in names:
            catalog.upsert_source(
                session=session, name=name, kind="directory", location=f"/{name}", every_seconds=600
            )


def _claim(engine: Engine, owner: str, now: datetime = NOW, only_due: bool = True) -> list[str]:
    with transaction(engine) as session:
        return leases.claim_sources(
            session=session, names=["a", "b"], owner=owner, now=now, lease=LEASE, only_due=only_due
        )


def test_a_leased_source_is_not_claimed_by_another_run_until_released_or_expired(engine: Engine) -> None:
    _sources(engine, "a", "b")
    assert _claim(engine, "run-1") == ["a", "b"]
    assert _claim(engine, "run-2") == []
    with transaction(engine) as session:
        leases.release_source(session=session, name="a", owner="run-2")  # not run-2's lease: kept
        leases.release_source(session=session, name="b", owner="run-1")
    assert _claim(engine, "run-2", now=NOW + timedelta(minutes=1)) == ["b"]
    assert _claim(engine, "run-3", now=NOW + LEASE + timedelta(seconds=1)) == ["a"]  # run-1's lease expired


def test_only_due_sources_are_claimed_unless_asked_for_all(engine: Engine) -> None:
    _sources(engine, "a", "b")
    with transaction(engine) as session:
        source = session.exec(select(Source).where(Source.name == "a")).one()
        catalog.record_source_success(session=session, source=source, now=NOW, cursor={}, failed_items=0)
    assert _claim(engine, "run-1") == ["b"]  # a was just polled; next poll in 10 minutes
    with transaction(engine) as session:
        leases.release_source(session=session, name="b", owner="run-1")
    assert _claim(engine, "run-2", only_due=False) == ["a", "b"]


def _due(engine: Engine, minutes_overdue: dict[str, int]) -> None:
    with transaction(engine) as session:
        for source in session.exec(select(Source)).all():
            source.next_poll_at = NOW - timedelta(minutes=minutes_overdue.get(source.name, 0))


def _claim_batch(
    engine: Engine, owner: str, names: list[str], sites: dict[str, str], limit: int
) -> list[str]:
    with transaction(engine) as session:
        return leases.claim_sources(
            session=session, names=names, owner=owner, now=NOW, lease=LEASE, limit=limit, site_of=sites
        )


def test_a_batch_takes_whole_sites_most_overdue_first_and_skips_sites_held_elsewhere(engine: Engine) -> None:
    sites = {"a1": "a.example", "a2": "a.example", "b1": "b.example", "c1": "c.example", "c2": "c.example"}
    names = sorted(sites)
    _sources(engine, *names)
    _due(engine, {"c2": 30, "a1": 20, "b1": 10})
    assert _claim_batch(engine, "run-1", names, sites, limit=1) == ["c1", "c2"]  # a site is never split
    assert _claim_batch(engine, "run-2", names, sites, limit=3) == ["a1", "a2", "b1"]
    with transaction(engine) as session:
        leases.release_source(session=session, name="a1", owner="run-2")
    # a2 is still run-2's, so no other run may poll a.example now: its per-host limits would not hold
    assert _claim_batch(engine, "run-3", names, sites, limit=3) == []


def test_runs_claiming_side_by_side_share_every_source_once_and_never_split_a_site(engine: Engine) -> None:
    sites = {f"s{number:02d}": f"site{number % 20}.example" for number in range(60)}
    names = sorted(sites)
    _sources(engine, *names)
    claims: dict[str, list[str]] = {}

    def claim_until_done(owner: str) -> None:
        claims[owner] = []
        while batch := _claim_batch(engine, owner, names, sites, limit=4):
            claims[owner] += batch

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(claim_until_done, ["run-1", "run-2", "run-3"]))
    everything = [name for batch in claims.values() for name in batch]
    assert sorted(everything) == names  # each source claimed exactly once
    owner_of_site = {(sites[name], owner) for owner, batch in claims.items() for name in batch}
    assert len(owner_of_site) == len(set(sites.values()))  # one run per site


def test_prune_drops_old_resolved_failures_and_old_vectors_but_keeps_articles(engine: Engine) -> None:
    _sources(engine, "a")
    old, recent = NOW - timedelta(days=100), NOW - timedelta(days=1)
    with transaction(engine) as session:
        source = session.exec(select(Source)).one()
        failure = SourceFailure("a", "/a/x.txt", "file_empty", "empty")
        catalog.record_item_failures(session=session, source_id=id_of(source), failures=[failure], now=old)
        catalog.resolve_item_failures(
            session=session, source_id=id_of(source), locations=["/a/x.txt"], now=old
        )
        for when, digest in ((old, "h-old"), (recent, "h-new")):
            story = articles.create_story(session=session, title="s", title_derived=False, now=when)
            extracted = ExtractedArticle("/a/" + digest, "t", False, "text", content_hash=digest)
            articles.add_article(
                session=session,
                extracted=extracted,
                identity=digest,
                source_id=id_of(source),
                story=story,
                terms={"x": 1.0},
                now=when,
            )
    with transaction(engine) as session:
        pruned = prune(session=session, older_than=NOW - timedelta(days=90))
    assert (pruned.resolved_failures, pruned.article_vectors) == (1, 1)
    with Session(engine) as session:
        assert session.exec(select(IngestFailure)).all() == []
        terms = {a.content_hash: a.terms for a in session.exec(select(Article)).all()}
    assert terms == {"h-old": {}, "h-new": {"x": 1.0}}
    assert tidy(engine)


def test_digest_lists_each_topics_stories_of_the_period(engine: Engine) -> None:
    from core.records import TermHit, TopicHit
    from pipeline.digest import digest_markdown
    from storage.reports import topic_stories_since

    _sources(engine, "a")
    with transaction(engine) as session:
        source = session.exec(select(Source)).one()
        topic = catalog.upsert_topic(
            session=session, name="Lebanon ceasefire", query="x", mode="per-story", channels=["console"]
        )
        for when, digest in ((NOW - timedelta(days=2), "old"), (NOW - timedelta(hours=1), "new")):
            story = articles.create_story(
                session=session, title=f"story {digest}", title_derived=False, now=when
            )
            extracted = ExtractedArticle("/a/" + digest, "t", False, "text", content_hash=digest)
            article = articles.add_article(
                session=session,
                extracted=extracted,
                identity=digest,
                source_id=id_of(source),
                story=story,
                terms={},
                now=when,
            )
            hit = TopicHit("Lebanon ceasefire", (TermHit("ceasefire", "text", 0),))
            articles.record_match(session=session, topic_id=id_of(topic), article=article, hit=hit, now=when)
    with Session(engine) as session:
        stories = topic_stories_since(session=session, since=NOW - timedelta(hours=24))
    assert [(s.topic, s.title, s.reports) for s in stories] == [("Lebanon ceasefire", "story new", 1)]
    markdown = digest_markdown(stories, 24)
    assert "## Lebanon ceasefire" in markdown and "**story new** — 1 report" in markdown
    assert "story old" not in markdown
    assert "No new report" in digest_markdown([], 24)
