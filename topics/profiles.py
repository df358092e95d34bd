"""Reports and story profiles: what online clustering keeps of each article and each story.

A ``StoryReport`` is an article reduced to what clustering needs: its term vector
(``topics.stories.story_terms``), its lead names, its event marks (``topics.marks``), its MinHash
signature and its publication date. It is plain data, stored as JSON with the article.

``ReportKeys`` is the same report as numpy arrays, and a ``StoryProfile`` is what a story keeps of
its reports, with a fixed size whatever their number: the ``CENTROID_TERMS`` heaviest terms of
their summed vectors, the ``PROFILE_NAMES`` most mentioned names (plus the newest lead names),
those of its first report, up to ``PROFILE_FIGURES`` figures, its headline words, the latest
year each of its last ``PROFILE_YEARS`` reports mentioned, the years of their datelines and the
span of their publication dates, which ``StoryWindow`` compares with a new report's. Words are
kept as sorted arrays of their CRC-32 with float32 weights. With its posting entries and
near-duplicate signatures a story then takes about 6 KiB of the index
(``python -m benchmarks.matching --stories-only``), where dictionaries of strings took 13.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from topics.marks import EventMarks, event_marks
from topics.near_duplicates import Signature, minhash_words, word_hashes
from topics.stories import salient_entities, story_terms
from topics.text import tokenize

CENTROID_TERMS = 80
PROFILE_NAMES = 40
PROFILE_FIGURES = 60
PROFILE_HEADLINE = 40
PROFILE_YEARS = 16
MAIN_NAMES = 5
MAIN_TERMS = 10
# A lead name the story knows only from a lead counts as known, but adds (almost) no weight.
LEAD_NAME_WEIGHT = 1e-4
_ONES = np.ones(max(CENTROID_TERMS, PROFILE_NAMES, PROFILE_FIGURES, PROFILE_HEADLINE) * 4, dtype=np.float32)
_ONES.flags.writeable = False


@dataclass(frozen=True, slots=True)
class StoryReport:
    """What clustering needs of one report: vector, lead names, marks, signature and date."""

    terms: Mapping[str, float]
    entities: frozenset[str] = frozenset()
    signature: Signature = ()
    published: datetime | None = None
    marks: EventMarks = field(default_factory=EventMarks)


def story_report(title: str | None, text: str, published: datetime | None) -> StoryReport:
    """The report of an article as ingest computes it."""
    words = tokenize(text)
    return StoryReport(
        story_terms(title, text, words=words),
        salient_entities(title, text),
        minhash_words(words),
        published,
        event_marks(title, text, words),
    )


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

    @classmethod
    def of_keys(cls, keys: np.ndarray) -> Weights:
        """Weight 1.0 for each of ``keys``, already sorted and unique."""
        made = cls.__new__(cls)
        made.keys, made.values = keys, _ONES[: len(keys)]  # a view: no data of its own
        made.norm = float(np.sqrt(len(keys)))
        return made

    def __len__(self) -> int:
        return len(self.keys)

    def found(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``keys``: whether it is held, and where (meaningful only where held)."""
        if not len(self.keys) or not len(keys):
            return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.intp)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return self.keys[at] == keys, at

    def dot(self, other: Weights) -> float:
        """The dot product with ``other``."""
        held, at = self.found(other.keys)
        return float(np.dot(other.values[held], self.values[at[held]]))

    def cosine(self, other: Weights) -> float:
        """The cosine with ``other``; 0.0 when either is empty."""
        norms = self.norm * other.norm
        return self.dot(other) / norms if norms else 0.0

    def share_held(self, keys: np.ndarray, *, empty: float) -> float:
        """The share of ``keys`` held; ``empty`` when there are none."""
        if not len(keys):
            return empty
        return int(np.count_nonzero(self.found(keys)[0])) / len(keys)

    def merged(self, other: Weights, limit: int) -> Weights:
        """The sum of both, keeping the ``limit`` heaviest words."""
        keys, inverse = np.unique(np.concatenate([self.keys, other.keys]), return_inverse=True)
        values = np.bincount(inverse, weights=np.concatenate([self.values, other.values]))
        if len(keys) > limit:
            kept = np.argpartition(-values, limit - 1)[:limit]
            keys, values = keys[kept], values[kept]
        return Weights(keys, values)

    def main(self, count: int) -> np.ndarray:
        """The keys of the ``count`` heaviest words."""
        if len(self.keys) <= count:
            return self.keys
        return self.keys[np.argpartition(-self.values, count - 1)[:count]]


EMPTY = Weights(np.zeros(0, dtype=np.uint32), np.zeros(0))


@dataclass(frozen=True, slots=True)
class ReportKeys:
    """A report as arrays, computed once per report and compared with each candidate story."""

    terms: Weights
    main_terms: Weights  # the ``MAIN_TERMS`` heaviest terms, weight 1.0 each
    lead: Weights
    names: Weights
    main_names: Weights
    top_name: Weights  # the most mentioned name alone; empty without names
    figures: Weights
    headline: Weights
    years: frozenset[int]
    lead_years: frozenset[int]
    published: datetime | None

    @classmethod
    def of(cls, report: StoryReport) -> ReportKeys:
        """The arrays of ``report``."""
        marks = report.marks
        names = Weights.of(marks.names)
        top = [max(marks.names, key=lambda name: (marks.names[name], name))] if marks.names else []
        terms = Weights.of(report.terms)
        return cls(
            terms,
            Weights.of_keys(np.sort(terms.main(MAIN_TERMS))),
            Weights.of(report.entities),
            names,
            Weights.of_keys(np.sort(names.main(MAIN_NAMES))),
            Weights.of(top),
            Weights.of(marks.figures),
            Weights.of(marks.headline),
            marks.years,
            marks.lead_years,
            report.published,
        )


class StoryProfile:
    """A story's bounded summary of its reports (see the module docstring)."""

    __slots__ = (
        "centroid",
        "earliest",
        "figures",
        "first_names",
        "headline",
        "latest",
        "latest_years",
        "lead_years",
        "main_names",
        "max_name_weight",
        "names",
        "typical_year",
    )

    def __init__(self) -> None:
        self.centroid = EMPTY
        self.names = EMPTY
        self.main_names = EMPTY
        self.max_name_weight = 0.0
        self.first_names: Weights | None = None
        self.figures = EMPTY
        self.headline = EMPTY
        self.latest_years: list[int] = []
        self.typical_year: int | None = None
        self.lead_years: frozenset[int] = frozenset()
        self.earliest: datetime | None = None
        self.latest: datetime | None = None

    def grow(self, report: ReportKeys) -> np.ndarray:
        """Add ``report``; returns the keys of the centroid terms it gained."""
        before = self.centroid.keys
        self.centroid = self.centroid.merged(report.terms, CENTROID_TERMS)
        self._grow_names(report)
        if len(self.figures) < PROFILE_FIGURES:
            more = report.figures.keys[: PROFILE_FIGURES - len(self.figures)]
            self.figures = Weights.of_keys(np.union1d(self.figures.keys, more))
        self.headline = self.headline.merged(report.headline, PROFILE_HEADLINE)
        if report.years:
            self.latest_years = [*self.latest_years, max(report.years)][-PROFILE_YEARS:]
            self.typical_year = statistics.median_low(self.latest_years)
        self.lead_years |= report.lead_years
        if report.published is not None:
            self.earliest = min(filter(None, [self.earliest, report.published]))
            self.latest = max(filter(None, [self.latest, report.published]))
        return np.setdiff1d(self.centroid.keys, before, assume_unique=True)

    def admits(self, published: datetime | None, window: StoryWindow) -> bool:
        """Whether a report of ``published`` may join (``StoryWindow.admits``)."""
        return window.admits(self.earliest, self.latest, published)

    def _grow_names(self, report: ReportKeys) -> None:
        if self.first_names is None:
            self.first_names = report.names
        lead = Weights(report.lead.keys, np.full(len(report.lead), LEAD_NAME_WEIGHT))
        mentioned = self.names.merged(report.names, PROFILE_NAMES)
        self.names = mentioned.merged(lead, PROFILE_NAMES + len(lead))
        self.main_names = Weights.of_keys(np.sort(self.names.main(MAIN_NAMES)))
        self.max_name_weight = float(self.names.values.max()) if len(self.names) else 0.0
