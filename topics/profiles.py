"""Reports and story profiles: what online clustering keeps of each article and each story.

A ``StoryReport`` is an article reduced to what clustering needs: its term vector
(``topics.stories.story_terms``), its MinHash signature and its publication date. It is plain
data, stored as JSON with the article.

``ReportKeys`` is the same report as arrays, and a ``StoryProfile`` is what a story keeps of its
reports, with a fixed size whatever their number: the ``CENTROID_TERMS`` heaviest terms of
their summed vectors, and the span of their publication dates, which ``StoryWindow`` compares
with a new report's. Terms are kept as sorted arrays of their CRC-32 with float32 weights, and
``Stack`` compares one report with several stories in one numpy pass. With its posting entries
and near-duplicate signatures a story takes a few KiB of the index
(``python -m benchmarks.matching --stories-only``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from topics.near_duplicates import Signature, minhash_words, word_hashes
from topics.stories import story_terms
from topics.text import tokenize

CENTROID_TERMS = 80


@dataclass(frozen=True, slots=True)
class StoryReport:
    """What clustering needs of one report: its term vector, signature and date."""

    terms: Mapping[str, float]
    signature: Signature = ()
    published: datetime | None = None


def story_report(title: str | None, text: str, published: datetime | None) -> StoryReport:
    """The report of an article as ingest computes it."""
    words = tokenize(text)
    return StoryReport(story_terms(title, text, words=words), minhash_words(words), published)


@dataclass(frozen=True, slots=True)
class StoryWindow:
    """How long a story stays open, by publication date: while reports keep coming.

    A report may join a story when it was published at most ``silence`` after the story's latest
    report (or before its earliest), and the story's reports, it included, span at most
    ``max_life``. So a story covered day after day stays one story, a new burst after a quiet
    ``silence`` is a new story, and look-alike events months apart never join. Undated reports,
    and stories with no dated report, are not held back by dates.
    """

    silence: timedelta = timedelta(days=7)
    max_life: timedelta = timedelta(days=30)

    def admits(self, earliest: datetime | None, latest: datetime | None, published: datetime | None) -> bool:
        """Whether a report of ``published`` may join a story whose reports span ``earliest``-``latest``."""
        if published is None or earliest is None or latest is None:
            return True
        if not earliest - self.silence <= published <= latest + self.silence:
            return False
        return max(latest, published) - min(earliest, published) <= self.max_life


class Weights:
    """Words as sorted 32-bit keys (their CRC-32) with float32 weights, and their L2 norm.

    32 bits are plenty to tell apart the few hundred words two profiles compare; a collision
    only makes two rare words count as one. CRC-32 is the same in every process, so every
    worker clusters alike.
    """

    __slots__ = ("keys", "norm", "values")

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys: np.ndarray = keys[order]
        self.values: np.ndarray = values[order].astype(np.float32)
        self.norm = float(np.sqrt(np.dot(self.values, self.values))) if len(self.values) else 0.0

    @classmethod
    def of(cls, weights: Mapping[str, float] | Iterable[str], weight: float = 1.0) -> Weights:
        """Weights of a mapping, or ``weight`` for each word of an iterable."""
        words = list(weights)
        keys = np.fromiter(map(word_hashes(words).__getitem__, words), dtype=np.uint32, count=len(words))
        if isinstance(weights, Mapping):
            values = np.fromiter(weights.values(), dtype=np.float64, count=len(words))
        else:
            values = np.full(len(words), weight)
        return cls(keys, values)

    def __len__(self) -> int:
        return len(self.keys)

    def merged(self, other: Weights, limit: int) -> Weights:
        """The sum of both, keeping the ``limit`` heaviest words."""
        keys, inverse = np.unique(np.concatenate([self.keys, other.keys]), return_inverse=True)
        values = np.bincount(inverse, weights=np.concatenate([self.values, other.values]))
        if len(keys) > limit:
            kept = np.argpartition(-values, limit - 1)[:limit]
            keys, values = keys[kept], values[kept]
        return Weights(keys, values)


EMPTY = Weights(np.zeros(0, dtype=np.uint32), np.zeros(0))


class Stack:
    """Several stories' ``Weights`` of one kind, concatenated, with the story each entry belongs to."""

    def __init__(self, parts: Sequence[Weights]) -> None:
        self.count = len(parts)
        self.norms = np.array([part.norm for part in parts])
        self.keys = np.concatenate([part.keys for part in parts]) if parts else EMPTY.keys
        self.values = np.concatenate([part.values for part in parts]) if parts else EMPTY.values
        self.owner = np.repeat(np.arange(len(parts)), [len(part.keys) for part in parts])

    def find(self, query: Weights) -> Found:
        """Which entries ``query`` holds too, with the products of both weights."""
        if not len(query.keys) or not len(self.keys):
            return Found(self, self.owner[:0], np.zeros(0), query.norm)
        at = np.minimum(np.searchsorted(query.keys, self.keys), len(query.keys) - 1)
        hit = query.keys[at] == self.keys
        return Found(self, self.owner[hit], self.values[hit] * query.values[at[hit]], query.norm)


class Found:
    """The words of a query found in each story of a ``Stack``."""

    def __init__(self, stack: Stack, owner: np.ndarray, products: np.ndarray, query_norm: float) -> None:
        self.count, self.owner, self.products = stack.count, owner, products
        self.norms = stack.norms * query_norm

    def held(self) -> np.ndarray:
        """How many of the query's words each story holds."""
        return np.bincount(self.owner, minlength=self.count).astype(np.float64)

    def dot(self) -> np.ndarray:
        """Each story's dot product with the query."""
        return np.bincount(self.owner, weights=self.products, minlength=self.count)

    def cosine(self) -> np.ndarray:
        """Each story's cosine with the query; 0.0 where either is empty."""
        cosine: np.ndarray = np.divide(self.dot(), self.norms, out=np.zeros(self.count), where=self.norms > 0)
        return cosine


@dataclass(frozen=True, slots=True)
class ReportKeys:
    """A report as arrays, computed once per report and compared with each candidate story."""

    terms: Weights
    published: datetime | None

    @classmethod
    def of(cls, report: StoryReport) -> ReportKeys:
        """The arrays of ``report``."""
        return cls(Weights.of(report.terms), report.published)


class StoryProfile:
    """A story's bounded summary of its reports (see the module docstring)."""

    __slots__ = ("centroid", "earliest", "latest")

    def __init__(self) -> None:
        self.centroid = EMPTY
        self.earliest: datetime | None = None
        self.latest: datetime | None = None

    def grow(self, report: ReportKeys) -> np.ndarray:
        """Add ``report``; returns the keys of the centroid terms it gained."""
        before = self.centroid.keys
        self.centroid = self.centroid.merged(report.terms, CENTROID_TERMS)
        if report.published is not None:
            self.earliest = min(filter(None, [self.earliest, report.published]))
            self.latest = max(filter(None, [self.latest, report.published]))
        return np.setdiff1d(self.centroid.keys, before, assume_unique=True)

    def admits(self, published: datetime | None, window: StoryWindow) -> bool:
        """Whether a report of ``published`` may join (``StoryWindow.admits``)."""
        return window.admits(self.earliest, self.latest, published)


def centroid_cosines(report: ReportKeys, stories: Sequence[StoryProfile]) -> np.ndarray:
    """The cosine of the report's term vector with each story's centroid, in one numpy pass."""
    return Stack([story.centroid for story in stories]).find(report.terms).cosine()
