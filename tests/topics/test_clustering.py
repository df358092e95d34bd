"""Near-duplicate signatures and the in-memory story index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.settings import StorySettings
from topics.clustering import StoryIndex, StoryReport, StoryWindow, cluster, story_report
from topics.near_duplicates import NearDuplicateIndex, minhash, resemblance

Report = tuple[str | None, str]
DAY = datetime(2024, 11, 1, tzinfo=UTC)
WINDOW = StoryWindow(silence=timedelta(days=7), max_life=timedelta(days=30))
WIRE = (
    "Israeli troops and Hezbollah fighters exchanged fire along the border on Tuesday while mediators "
    "in Beirut pressed both sides to accept a sixty day truce monitored by a committee led by the "
    "United States and France, according to officials familiar with the proposal who spoke on the "
    "condition of anonymity because the talks were continuing late into the night."
)


def test_a_lightly_edited_copy_resembles_the_original_and_other_text_does_not() -> None:
    edited = WIRE.replace("Tuesday", "Wednesday").replace("late into the night", "late at night")
    assert resemblance(minhash(WIRE), minhash(edited)) >= 0.6
    assert (
        resemblance(minhash(WIRE), minhash("An entirely different report about football results " * 3)) < 0.2
    )
    assert minhash("too short") == ()


def test_near_duplicate_index_finds_the_first_copy_and_forgets_removed_ones() -> None:
    index = NearDuplicateIndex(threshold=0.6)
    index.add(1, minhash(WIRE))
    index.add(2, minhash(WIRE + " More."))
    assert index.find(minhash(WIRE.replace("Tuesday", "Monday"))) in {1, 2}
    index.remove(1)
    index.remove(2)
    assert index.find(minhash(WIRE)) is None and len(index) == 0


def _index() -> StoryIndex:
    return StoryIndex(window=WINDOW, join_threshold=StorySettings().join_threshold)


def test_a_syndicated_copy_joins_the_story_flagged_as_a_copy() -> None:
    index = _index()
    index.add(10, 10, story_report("Truce talks", WIRE, DAY), DAY)
    assignment = index.assign(story_report("Truce talks (wire)", WIRE.replace("Tuesday", "Monday"), DAY))
    assert (assignment.story_id, assignment.near_duplicate_of) == (10, 10)


def test_seed_reports_share_a_story_and_the_gaza_report_does_not(
    seed_000: Report, seed_001: Report, gaza_talks: Report
) -> None:
    reports = [story_report(*seed_000, DAY), story_report(*seed_001, None), story_report(*gaza_talks, DAY)]
    labels = cluster(reports, _index(), now=DAY)
    assert labels[0] == labels[1] != labels[2]


def test_the_later_truce_stays_apart_from_the_seed_story_by_date(
    seed_000: Report, lebanon_truce_27nov: Report
) -> None:
    index = _index()
    index.add(1, 1, story_report(*seed_000, DAY), DAY)
    later = story_report(*lebanon_truce_27nov, DAY + timedelta(days=26))
    assert index.assign(later).story_id is None


def test_look_alike_events_months_apart_stay_apart_and_a_rewrite_joins() -> None:
    """Same words, other names: the window, not the text, keeps two such events apart."""
    first = "Wladimir Klitschko stopped Hasim Rahman in the seventh round to retain his heavyweight titles."
    second = "Wladimir Klitschko stopped Tony Thompson in the sixth round to retain his heavyweight titles."
    index = _index()
    index.add(1, 1, story_report("Klitschko beats Rahman", first, DAY), DAY)
    rewrite = index.assign(story_report("Klitschko beats Rahman again", first, DAY + timedelta(days=1)))
    look_alike = index.assign(story_report("Klitschko beats Thompson", second, DAY + timedelta(days=120)))
    assert rewrite.story_id == 1 and look_alike.story_id is None


def test_a_report_joins_the_most_similar_story_above_the_threshold() -> None:
    index = StoryIndex(window=WINDOW, join_threshold=0.3)
    index.add(1, 1, StoryReport({"truce": 0.8, "beirut": 0.6}), DAY)
    index.add(2, 2, StoryReport({"truce": 0.6, "gaza": 0.8}), DAY)
    assert index.assign(StoryReport({"truce": 0.6, "gaza": 0.6, "talks": 0.5})).story_id == 2
    assignment = index.assign(StoryReport({"truce": 0.2, "talks": 0.98}))
    assert assignment.story_id is None and assignment.score == 0.0  # cosines 0.16 and 0.12


def test_stale_stories_are_evicted_with_their_postings_and_signatures() -> None:
    index = _index()
    index.add(1, 1, story_report("Truce talks", WIRE, DAY), DAY)
    assert index.evict(DAY + timedelta(days=6.9)) == 0
    assert index.evict(DAY + timedelta(days=7.1)) == 1
    assert len(index) == 0 and len(index.copies) == 0
    assert index.assign(story_report("Truce talks", WIRE, DAY)).story_id is None


def test_the_story_cap_bounds_memory() -> None:
    index = StoryIndex(window=WINDOW, join_threshold=0.5, max_stories=2)
    for n in range(1, 5):
        index.add(n, n, StoryReport({f"w{n}": 1.0}), DAY)
    index.evict(DAY)
    assert list(index.stories) == [3, 4]


def test_a_story_stays_open_while_reports_keep_coming_and_ends_after_a_silence() -> None:
    index = _index()
    index.add(1, 1, story_report("Truce talks", WIRE, DAY), DAY)
    for day in range(6, 28, 6):  # a report every six days: one story for four weeks
        report = story_report("Truce talks", WIRE, DAY + timedelta(days=day))
        assert index.assign(report).story_id == 1
        index.add(day + 1, 1, report, DAY + timedelta(days=day))
    assert index.assign(story_report("Truce talks", WIRE, DAY + timedelta(days=29))).story_id == 1
    after_silence = story_report("Truce talks", WIRE, DAY + timedelta(days=24 + 8))
    assert index.assign(after_silence).story_id is None


def test_a_story_never_outlives_its_cap() -> None:
    window = StoryWindow(silence=timedelta(days=7), max_life=timedelta(days=30))
    start, latest = DAY, DAY + timedelta(days=28)
    assert window.admits(start, latest, latest + timedelta(days=2))
    assert not window.admits(start, latest, latest + timedelta(days=3))  # 31 days from the first
    assert window.admits(start, latest, start - timedelta(days=1))  # a late copy of an early report
    assert not window.admits(start, latest, start - timedelta(days=3))
    assert window.admits(start, latest, None) and window.admits(None, None, start)
