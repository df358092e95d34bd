"""Online story clustering in memory: story profiles, an inverted index and near-duplicate LSH.

Each story keeps a bounded ``topics.profiles.StoryProfile`` of its reports. A new article is
compared with a few candidate stories only:

1. a near duplicate (``topics.near_duplicates``) of a stored report joins that report's story;
2. otherwise the stories sharing its heaviest terms are found through an inverted index
   (term -> stories, compact arrays), skipping terms so common that their lists exceed
   ``POSTING_CAP``;
3. the ``CANDIDATES`` best of those whose span of dates admits the article are scored by the
   join model (``topics.joining``: text, names, figures, years, dates), and the most probable
   story at or above ``join_threshold`` wins.

So the cost of an assignment depends on the article, ``POSTING_CAP`` and ``CANDIDATES``, not on
how many stories are stored, and memory is bounded: stories that saw no report within the
window, and the oldest ones beyond ``max_stories``, are evicted with their signatures. Posting
lists are append-only arrays: a term a story dropped, or an evicted story, stays listed until
the lists are rebuilt, which happens once they hold twice as many entries as the live profiles.
The index holds no session: pipeline/storing.py loads recent reports into it and persists what
it decides.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from topics.joining import join_probabilities, joint_features
from topics.near_duplicates import NearDuplicateIndex
from topics.profiles import ReportKeys, StoryProfile, StoryReport, Weights, story_report

__all__ = ["Assignment", "JoinScore", "StoryIndex", "StoryReport", "cluster", "model_score", "story_report"]

QUERY_TERMS = 20
CANDIDATES = 12
POSTING_CAP = 2_000
# How much a report belongs to each of some stories, from 0 to 1; compared with the threshold.
JoinScore = Callable[[ReportKeys, Sequence[StoryProfile]], np.ndarray]


def model_score(report: ReportKeys, stories: Sequence[StoryProfile]) -> np.ndarray:
    """The join model's probability that ``report`` tells each story's event."""
    return join_probabilities(joint_features(report, stories))


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
        self.postings: dict[int, array[int]] = {}  # term hash -> story ids, append-only
        self.posted = 0  # entries in the posting lists, live or not
        self.story_of: dict[int, int] = {}  # article id -> story id, for near duplicates
        self.last_article_id = 0
        self._last: tuple[StoryReport, ReportKeys] | None = None

    def __len__(self) -> int:
        return len(self.stories)

    def assign(self, report: StoryReport) -> Assignment:
        """The story ``report`` belongs to, or ``Assignment(None)`` when it starts a new one."""
        original = self.copies.find(report.signature) if report.signature else None
        if original is not None and original in self.story_of:
            story_id = self.story_of[original]
            if self.stories[story_id].profile.admits(report.published, self.window):
                return Assignment(story_id, 1.0, original)
        keys = self._keys_of(report)
        candidates = [
            (story_id, self.stories[story_id].profile)
            for story_id in self._candidates(keys.terms)
            if self.stories[story_id].profile.admits(report.published, self.window)
        ]
        if not candidates:
            return Assignment(None, 0.0, original)
        scores = self.score(keys, [profile for _, profile in candidates])
        best = int(np.argmax(scores))  # the first of equals: candidates come best-shared first
        if scores[best] < self.join_threshold:
            return Assignment(None, 0.0, original)
        return Assignment(candidates[best][0], float(scores[best]), original)

    def add(self, article_id: int, story_id: int, report: StoryReport, seen_at: datetime) -> None:
        """Record a stored report of ``story_id`` (new or existing), seen at ``seen_at``."""
        story = self.stories.get(story_id) or _Story()
        for term in story.profile.grow(self._keys_of(report)).tolist():
            self.postings.setdefault(term, array("q")).append(story_id)
            self.posted += 1
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
        if evicted and self.posted > 2 * sum(len(s.profile.centroid) for s in self.stories.values()):
            self._repost()
        return evicted

    def _keys_of(self, report: StoryReport) -> ReportKeys:
        """The arrays of ``report``, computed once for its ``assign`` and ``add``."""
        if self._last is None or self._last[0] is not report:
            self._last = (report, ReportKeys.of(report))
        return self._last[1]

    def _candidates(self, terms: Weights) -> list[int]:
        """The live stories sharing the most weight of the article's heaviest terms."""
        heaviest = np.argsort(-terms.values)[:QUERY_TERMS]
        lists, weights = [], []
        for term, weight in zip(terms.keys[heaviest].tolist(), terms.values[heaviest].tolist(), strict=True):
            stories = self.postings.get(term)
            if stories is not None and len(stories) <= POSTING_CAP:
                lists.append(np.frombuffer(stories, dtype=np.int64).copy())
                weights.append(np.full(len(stories), weight))
        if not lists:
            return []
        ids, inverse = np.unique(np.concatenate(lists), return_inverse=True)
        shared = np.bincount(inverse, weights=np.concatenate(weights))
        wanted = CANDIDATES
        while True:  # evicted stories may still be listed: look further until enough are live
            top = _heaviest(shared, wanted)
            live = [story_id for story_id in ids[top].tolist() if story_id in self.stories]
            if len(live) >= CANDIDATES or len(top) == len(ids):
                return live[:CANDIDATES]
            wanted *= 4

    def _forget(self, story_id: int, story: _Story) -> None:
        for article_id in story.article_ids:
            self.copies.remove(article_id)
            self.story_of.pop(article_id, None)
        del self.stories[story_id]

    def _repost(self) -> None:
        """Rebuild the posting lists from the live profiles, dropping stale entries."""
        self.postings, self.posted = {}, 0
        for story_id, story in self.stories.items():
            for term in story.profile.centroid.keys.tolist():
                self.postings.setdefault(term, array("q")).append(story_id)
                self.posted += 1


def _heaviest(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest ``values``, largest first."""
    if len(values) > count:
        top = np.argpartition(-values, count - 1)[:count]
        return top[np.argsort(-values[top], kind="stable")]
    return np.argsort(-values, kind="stable")


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
