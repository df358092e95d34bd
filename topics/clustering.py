"""Online story clustering in memory: story centroids, an inverted index and near-duplicate LSH.

Each story keeps a centroid (the sum of its reports' ``story_terms`` vectors, pruned to its
``CENTROID_TERMS`` heaviest terms), the names its reports led with, and the published-time
span of its reports. A new article is compared with a few candidate stories only:

1. a near duplicate (``topics.near_duplicates``) of a stored report joins that report's story;
2. otherwise the stories sharing its heaviest terms are found through an inverted index
   (term -> stories), skipping terms so common that their lists exceed ``POSTING_CAP``;
3. the ``CANDIDATES`` best of those are scored exactly: cosine(article, centroid) times the
   square root of the share of the article's lead names the story already knows, and
   the best story at or above ``min_similarity`` whose span admits the article's date wins.

So the cost of an assignment depends on the article and ``CANDIDATES``, not on how many
stories are stored, and memory is bounded: stories that saw no report within the window, and
the oldest ones beyond ``max_stories``, are evicted with their postings and signatures.
The index holds no session: flows/ loads recent reports into it and persists what it decides.
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from topics.near_duplicates import NearDuplicateIndex, Signature, minhash_words
from topics.stories import entity_coverage, salient_entities, story_terms
from topics.text import tokenize

CENTROID_TERMS = 80
# Lead-name coverage enters as its square root: a story that knows half of an article's lead
# names keeps 71 % of its similarity. Calibrated with min_similarity 0.2 on BASIL and ECB+ dev.
COVERAGE_EXPONENT = 0.5
QUERY_TERMS = 20
CANDIDATES = 25
POSTING_CAP = 5_000


@dataclass(frozen=True, slots=True)
class StoryReport:
    """What the index needs of one report: its vector, lead names, signature and date."""

    terms: Mapping[str, float]
    entities: frozenset[str] = frozenset()
    signature: Signature = ()
    published: datetime | None = None


def story_report(title: str | None, text: str, published: datetime | None) -> StoryReport:
    """The report of an article as ingest computes it: terms, lead names, signature, date."""
    words = tokenize(text)
    terms = story_terms(title, text, words=words)
    return StoryReport(terms, salient_entities(title, text), minhash_words(words), published)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a new report goes: an existing story (or None for a new one), and why."""

    story_id: int | None
    score: float = 0.0
    near_duplicate_of: int | None = None


@dataclass
class _Story:
    centroid: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0
    names: set[str] = field(default_factory=set)
    earliest: datetime | None = None
    latest: datetime | None = None
    last_seen: datetime | None = None
    article_ids: list[int] = field(default_factory=list)

    def admits(self, published: datetime | None, window: timedelta) -> bool:
        """Whether a report of ``published`` may join: undated reports and stories always may."""
        if published is None or self.earliest is None or self.latest is None:
            return True
        return self.earliest - window <= published <= self.latest + window

    def score(self, report: StoryReport) -> float:
        """Cosine with the centroid, scaled by how many of the report's lead names it knows."""
        if self.norm == 0.0:
            return 0.0
        dot = sum(weight * self.centroid.get(term, 0.0) for term, weight in report.terms.items())
        coverage: float = entity_coverage(report.entities, self.names) ** COVERAGE_EXPONENT
        return dot / self.norm * coverage


class StoryIndex:
    """Recent stories, in memory; ``assign`` then ``add`` for each new report, in order."""

    def __init__(
        self,
        *,
        window: timedelta,
        min_similarity: float,
        near_duplicate: float = 0.8,
        max_stories: int = 200_000,
    ) -> None:
        self.window = window
        self.min_similarity = min_similarity
        self.max_stories = max_stories
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
            if self.stories[story_id].admits(report.published, self.window):
                return Assignment(story_id, 1.0, original)
        best_id, best = None, self.min_similarity
        for story_id in self._candidates(report.terms):
            story = self.stories[story_id]
            if not story.admits(report.published, self.window):
                continue
            score = story.score(report)
            if score > best or (best_id is None and score >= best):
                best_id, best = story_id, score
        return Assignment(best_id, best if best_id is not None else 0.0, original)

    def add(self, article_id: int, story_id: int, report: StoryReport, seen_at: datetime) -> None:
        """Record a stored report of ``story_id`` (new or existing), seen at ``seen_at``."""
        story = self.stories.get(story_id) or _Story()
        self._grow(story_id, story, report)
        story.names.update(report.entities)
        if report.published is not None:
            story.earliest = min(filter(None, [story.earliest, report.published]))
            story.latest = max(filter(None, [story.latest, report.published]))
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

    def _grow(self, story_id: int, story: _Story, report: StoryReport) -> None:
        for term, weight in report.terms.items():
            if term not in story.centroid:
                self.postings.setdefault(term, set()).add(story_id)
            story.centroid[term] = story.centroid.get(term, 0.0) + weight
        if len(story.centroid) > CENTROID_TERMS:
            kept = dict(heapq.nlargest(CENTROID_TERMS, story.centroid.items(), key=lambda item: item[1]))
            for term in story.centroid.keys() - kept.keys():
                self._unpost(term, story_id)
            story.centroid = kept
        story.norm = math.sqrt(sum(weight * weight for weight in story.centroid.values()))

    def _forget(self, story_id: int, story: _Story) -> None:
        for term in story.centroid:
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
    min_similarity: float,
    near_duplicate: float,
    now: datetime,
) -> list[int]:
    """Story numbers (0, 1, ...) for ``reports`` clustered online in order, as ingest does."""
    index = StoryIndex(window=window, min_similarity=min_similarity, near_duplicate=near_duplicate)
    labels: list[int] = []
    for article_id, report in enumerate(reports, start=1):
        assignment = index.assign(report)
        story_id = assignment.story_id if assignment.story_id is not None else article_id
        index.add(article_id, story_id, report, now)
        labels.append(story_id)
    return labels
