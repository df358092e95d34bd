"""Online story clustering in memory: story profiles, an inverted index and near-duplicate LSH.

Each story keeps a bounded ``topics.profiles.StoryProfile`` of its reports. A new article is
compared with a few candidate stories only:

1. a near duplicate (``topics.near_duplicates``) of a stored report joins that report's story;
2. otherwise the stories sharing its heaviest terms are found through an inverted index
   (term -> stories), skipping terms so common that their lists exceed ``POSTING_CAP``;
3. the ``CANDIDATES`` best of those whose span of dates admits the article are scored by the
   join model (``topics.joining``: text, names, figures, years, dates), and the most probable
   story at or above ``join_threshold`` wins.

So the cost of an assignment depends on the article and ``CANDIDATES``, not on how many
stories are stored, and memory is bounded: stories that saw no report within the window, and
the oldest ones beyond ``max_stories``, are evicted with their postings and signatures.
The index holds no session: flows/ loads recent reports into it and persists what it decides.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from topics.joining import join_features, join_probability
from topics.near_duplicates import NearDuplicateIndex
from topics.profiles import StoryProfile, StoryReport, story_report

__all__ = ["Assignment", "JoinScore", "StoryIndex", "StoryReport", "cluster", "model_score", "story_report"]

QUERY_TERMS = 20
CANDIDATES = 25
POSTING_CAP = 5_000
# How much a report belongs to a story, from 0 to 1; compared with the index's threshold.
JoinScore = Callable[[StoryReport, StoryProfile], float]


def model_score(report: StoryReport, story: StoryProfile) -> float:
    """The join model's probability that ``report`` tells ``story``'s event."""
    return join_probability(join_features(report, story))


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a new report goes: an existing story (or None for a new one), and why."""

    story_id: int | None
    score: float = 0.0
    near_duplicate_of: int | None = None


@dataclass(slots=True)
class _Story:
    profile: StoryProfile = field(default_factory=StoryProfile)
    last_seen: datetime | None = None
    article_ids: list[int] = field(default_factory=list)


class StoryIndex:
    """Recent stories, in memory; ``assign`` then ``add`` for each new report, in order."""

    def __init__(
        self,
        *,
        window: timedelta,
        join_threshold: float,
        near_duplicate: float = 0.8,
        max_stories: int = 200_000,
        score: JoinScore = model_score,
    ) -> None:
        self.window = window
        self.join_threshold = join_threshold
        self.max_stories = max_stories
        self.score = score
        self.copies = NearDuplicateIndex(threshold=near_duplicate)
        self.stories: OrderedDict[int, _Story] = OrderedDict()  # least recently grown first
        self.postings: dict[str, set[int]] = {}
        self.story_of: dict[int, int] = {}  # article id -> story id, for near duplicates
        self.last_article_id = 0

    def __len__(self) -> int:
        return len(self.stories)

    def assign(self, report: StoryReport) -> Assignment:
        """The story ``report`` belongs to, or ``Assignment(None)`` when it starts a new one."""
        original = self.copies.find(report.signature) if report.signature else None
        if original is not None and original in self.story_of:
            story_id = self.story_of[original]
            if self.stories[story_id].profile.admits(report.published, self.window):
                return Assignment(story_id, 1.0, original)
        best_id, best = None, self.join_threshold
        for story_id in self._candidates(report.terms):
            profile = self.stories[story_id].profile
            if not profile.admits(report.published, self.window):
                continue
            score = self.score(report, profile)
            if score > best or (best_id is None and score >= best):
                best_id, best = story_id, score
        return Assignment(best_id, best if best_id is not None else 0.0, original)

    def add(self, article_id: int, story_id: int, report: StoryReport, seen_at: datetime) -> None:
        """Record a stored report of ``story_id`` (new or existing), seen at ``seen_at``."""
        story = self.stories.get(story_id) or _Story()
        gained, dropped = story.profile.grow(report)
        for term in gained:
            self.postings.setdefault(term, set()).add(story_id)
        for term in dropped:
            self._unpost(term, story_id)
        story.last_seen = max(filter(None, [story.last_seen, seen_at]))
        story.article_ids.append(article_id)
        self.stories[story_id] = story
        self.stories.move_to_end(story_id)
        self.story_of[article_id] = story_id
        self.copies.add(article_id, report.signature)
        self.last_article_id = max(self.last_article_id, article_id)

    def evict(self, now: datetime) -> int:
        """Forget stories not grown within the window before ``now``, and the oldest beyond the cap."""
        cutoff = now - self.window
        evicted = 0
        while self.stories:
            story_id, story = next(iter(self.stories.items()))
            stale = story.last_seen is not None and story.last_seen < cutoff
            if not stale and len(self.stories) <= self.max_stories:
                break
            self._forget(story_id, story)
            evicted += 1
        return evicted

    def _candidates(self, terms: Mapping[str, float]) -> list[int]:
        """The stories sharing the most weight of the article's heaviest terms."""
        shared: dict[int, float] = {}
        for term, weight in heapq.nlargest(QUERY_TERMS, terms.items(), key=lambda item: item[1]):
            stories = self.postings.get(term)
            if not stories or len(stories) > POSTING_CAP:
                continue
            for story_id in stories:
                shared[story_id] = shared.get(story_id, 0.0) + weight
        return heapq.nlargest(CANDIDATES, shared, key=shared.__getitem__)

    def _forget(self, story_id: int, story: _Story) -> None:
        for term in story.profile.centroid:
            self._unpost(term, story_id)
        for article_id in story.article_ids:
            self.copies.remove(article_id)
            self.story_of.pop(article_id, None)
        del self.stories[story_id]

    def _unpost(self, term: str, story_id: int) -> None:
        stories = self.postings.get(term)
        if stories is not None:
            stories.discard(story_id)
            if not stories:
                del self.postings[term]


def cluster(
    reports: Iterable[StoryReport],
    *,
    window: timedelta,
    join_threshold: float,
    near_duplicate: float,
    now: datetime,
    score: JoinScore = model_score,
) -> list[int]:
    """Story numbers (0, 1, ...) for ``reports`` clustered online in order, as ingest does."""
    index = StoryIndex(
        window=window, join_threshold=join_threshold, near_duplicate=near_duplicate, score=score
    )
    labels: list[int] = []
    for article_id, report in enumerate(reports, start=1):
        assignment = index.assign(report)
        story_id = assignment.story_id if assignment.story_id is not None else article_id
        index.add(article_id, story_id, report, now)
        labels.append(story_id)
    return labels
