"""The acceptance story and the pipeline's promises, on real SQLite and PostgreSQL, without Prefect."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.channels import AlertChannel, build_channels
from core.errors import AlertDeliveryError
from core.records import AlertMessage
from core.settings import Settings
from core.watchlist import AlertPolicy, ConsoleChannelSpec, DirectorySource, TopicSpec, Watchlist
from pipeline.alerting import deliver_due_alerts
from pipeline.ingest import ingest_source
from pipeline.outcomes import DeliveryReport, SourceOutcome
from pipeline.storing import report_of_stored
from pipeline.watchlist import compile_watchlist_topics, sync_watchlist
from storage import articles
from storage.models import Alert, Article, ArticleAlias, IngestFailure, Source, Story, TopicMatch
from tests.conftest import SAMPLES, SEED_000, SEED_001
from topics.clustering import story_report

QUERY = '(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce OR "Resolution 1701")'
BOILERPLATE = ("Avatar", "Leave a Reply", "Required fields", "Liyana Parker", "Lorem ipsum")


@dataclass
class Run:
    outcomes: list[SourceOutcome]
    delivery: DeliveryReport
    printed: str


def _watchlist(*folders: Path) -> Watchlist:
    return Watchlist(
        sources=tuple(
            DirectorySource(name=f"source-{i}", directory=folder) for i, folder in enumerate(folders)
        ),
        topics=(TopicSpec(name="Lebanon ceasefire", query=QUERY, alert=AlertPolicy(channels=("console",))),),
        channels={"console": ConsoleChannelSpec()},
    )


def _run(
    engine: Engine,
    watchlist: Watchlist,
    *,
    deliver: bool = True,
    channels: dict[str, AlertChannel] | None = None,
) -> Run:
    settings = Settings(_env_file=None)
    sync_watchlist(engine, watchlist)
    matcher = compile_watchlist_topics(watchlist)
    outcomes = [ingest_source(engine, spec, matcher, settings.story) for spec in watchlist.sources]
    stream = io.StringIO()
    delivery = DeliveryReport()
    if deliver:
        delivery = deliver_due_alerts(
            engine, channels or build_channels(watchlist.channels, stream=stream), settings.alerts
        )
    return Run(outcomes, delivery, stream.getvalue())


def _all(engine: Engine, table):
    with Session(engine) as session:
        return list(session.exec(select(table).order_by(col(table.id))).all())


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_the_two_seed_reports_make_one_story_and_exactly_one_alert(engine: Engine, inbox: Path) -> None:
    for seed in (SEED_000, SEED_001):
        shutil.copy(seed, inbox)
    first = _run(engine, _watchlist(inbox))

    by_name = {Path(a.location).name: a for a in _all(engine, Article)}
    report_000, report_001 = by_name[SEED_000.name], by_name[SEED_001.name]
    assert report_000.title.startswith("A U.S. envoy this week asked Lebanon") and report_000.title_derived
    assert report_001.title == "US asked Lebanon to declare unilateral ceasefire with Israel, sources say"
    assert not report_001.title_derived
    assert report_000.published_at == datetime(2024, 11, 1, tzinfo=UTC)
    assert report_000.published_source == "header"
    assert report_001.published_at is None
    assert report_000.text.startswith("A U.S. envoy this week asked Lebanon")
    assert report_000.text.endswith("which concluded the Second Lebanon War in 2006.")
    assert report_001.text.startswith("The U.S. asked Lebanon to declare a unilateral ceasefire")
    assert report_001.text.endswith("where it would likely be equated with a surrender.")
    for article in (report_000, report_001):
        assert article.language == "en"
        assert not any(marker in article.text for marker in BOILERPLATE)
    assert len(_all(engine, Story)) == 1 and report_000.story_id == report_001.story_id
    assert len(_all(engine, TopicMatch)) == 2

    assert first.delivery.sent == 1 and len(_all(engine, Alert)) == 1
    assert first.printed.count("[Lebanon ceasefire]") == 1
    assert SEED_000.name in first.printed and SEED_001.name in first.printed
    assert "2 reports" in first.printed

    second = _run(engine, _watchlist(inbox))
    assert [len(o.new) for o in second.outcomes] == [0]
    assert second.delivery == DeliveryReport() and second.printed == ""
    assert len(_all(engine, Article)) == 2 and len(_all(engine, Alert)) == 1


def test_a_report_arriving_before_delivery_is_named_in_the_same_alert(engine: Engine, inbox: Path) -> None:
    shutil.copy(SEED_000, inbox)
    _run(engine, _watchlist(inbox), deliver=False)
    shutil.copy(SEED_001, inbox)
    run = _run(engine, _watchlist(inbox))
    assert run.delivery.sent == 1
    assert SEED_000.name in run.printed and SEED_001.name in run.printed


def test_a_later_report_of_an_alerted_story_joins_it_without_a_new_alert(engine: Engine, inbox: Path) -> None:
    shutil.copy(SEED_001, inbox)
    assert _run(engine, _watchlist(inbox)).delivery.sent == 1
    shutil.copy(SEED_000, inbox)
    later = _run(engine, _watchlist(inbox))
    assert [len(o.new) for o in later.outcomes] == [1] and later.delivery.sent == 0
    stories = _all(engine, Story)
    assert len(stories) == 1 and stories[0].article_count == 2
    assert len(_all(engine, Alert)) == 1


def test_related_reports_of_other_events_form_their_own_stories(engine: Engine) -> None:
    run = _run(engine, _watchlist(SAMPLES / "reports"))
    by_name = {Path(a.location).name: a for a in _all(engine, Article)}
    seed_story = by_name[SEED_000.name].story_id
    assert by_name[SEED_001.name].story_id == seed_story
    assert by_name["2024-11-27-lebanon-truce-takes-effect.html"].story_id != seed_story
    assert by_name["2024-11-05-gaza-hostage-talks.txt"].story_id not in {
        seed_story,
        by_name["2024-11-27-lebanon-truce-takes-effect.html"].story_id,
    }
    assert run.outcomes[0].matches == 3  # the seeds and the truce report; the Gaza report does not match
    assert run.delivery.sent == 2 and run.printed.count("[Lebanon ceasefire]") == 2


def test_a_story_index_reloaded_from_storage_sees_every_report_as_ingest_computed_it(engine: Engine) -> None:
    _run(engine, _watchlist(SAMPLES / "reports"), deliver=False)
    rows = {row.id: row for row in _all(engine, Article)}
    with Session(engine) as session:
        stored = articles.recent_reports(session=session, active_since=datetime(2000, 1, 1, tzinfo=UTC))
    assert sorted(report.article_id for report in stored) == sorted(rows)
    for report in stored:
        row = rows[report.article_id]
        reloaded = report_of_stored(report)
        assert reloaded == story_report(row.title, row.text, row.published_at)
        assert reloaded.entities and reloaded.signature and reloaded.marks.names


def test_an_exact_copy_is_stored_once_as_an_alias(engine: Engine, inbox: Path) -> None:
    shutil.copy(SEED_000, inbox)
    shutil.copy(SEED_000, inbox / "copy-of-000.txt")
    run = _run(engine, _watchlist(inbox))
    assert run.outcomes[0].duplicates == 1 and len(_all(engine, Article)) == 1
    assert [Path(alias.location).name for alias in _all(engine, ArticleAlias)] == ["copy-of-000.txt"]
    assert run.delivery.sent == 1


def test_a_broken_file_is_recorded_the_run_goes_on_and_the_next_run_retries(
    engine: Engine, inbox: Path
) -> None:
    shutil.copy(SEED_000, inbox)
    (inbox / "later.txt").write_bytes(b"")
    first = _run(engine, _watchlist(inbox))
    assert len(first.outcomes[0].new) == 1
    assert [(Path(f.location).name, f.reason) for f in first.outcomes[0].failures] == [
        ("later.txt", "file_empty")
    ]
    [failure] = _all(engine, IngestFailure)
    assert failure.reason == "file_empty" and failure.resolved_at is None
    assert _all(engine, Source)[0].last_status == "partial"

    shutil.copy(SEED_001, inbox / "later.txt")
    second = _run(engine, _watchlist(inbox))
    assert [Path(a.location).name for a in second.outcomes[0].new] == ["later.txt"]
    [failure] = _all(engine, IngestFailure)
    assert failure.resolved_at is not None and failure.attempts == 1
    assert _all(engine, Source)[0].last_status == "ok"


def test_a_missing_source_is_recorded_and_other_sources_still_run(
    engine: Engine, inbox: Path, tmp_path: Path
) -> None:
    shutil.copy(SEED_000, inbox)
    run = _run(engine, _watchlist(tmp_path / "does-not-exist", inbox))
    assert run.outcomes[0].error is not None and run.outcomes[0].error.startswith("source_missing")
    assert len(run.outcomes[1].new) == 1
    missing = next(s for s in _all(engine, Source) if s.name == "source-0")
    assert (missing.last_status, missing.consecutive_failures) == ("failed", 1)
    assert missing.next_poll_at is not None and missing.last_attempt_at is not None
    assert missing.next_poll_at > missing.last_attempt_at


class _FailingChannel:
    def __init__(self, transient: bool) -> None:
        self.name, self.transient, self.calls = "console", transient, 0

    def send(self, message: AlertMessage) -> str | None:
        self.calls += 1
        raise AlertDeliveryError("receiver down", channel=self.name, transient=self.transient)


@pytest.mark.parametrize(("transient", "status"), [(True, "retry"), (False, "dead")])
def test_a_failed_delivery_is_kept_for_retry_or_marked_dead(
    engine: Engine, inbox: Path, transient: bool, status: str
) -> None:
    shutil.copy(SEED_000, inbox)
    channel = _FailingChannel(transient)
    run = _run(engine, _watchlist(inbox), channels={"console": channel})
    [alert] = _all(engine, Alert)
    assert channel.calls == 1 and alert.status == status and "receiver down" in (alert.last_error or "")
    assert (run.delivery.retried, run.delivery.dead) == ((1, 0) if transient else (0, 1))
    if transient:
        assert alert.next_attempt_at > alert.created_at
        again = _run(engine, _watchlist(inbox), channels={"console": channel})
        assert channel.calls == 1 and again.delivery == DeliveryReport()  # not due yet: no second attempt
