"""Reports and story profiles: what online clustering keeps of each article and each story.

A ``StoryReport`` is an article reduced to what clustering needs: its term vector
(``topics.stories.story_terms``), its lead names, its event marks (``topics.marks``), its MinHash
signature and its publication date. A ``StoryProfile`` is what a story keeps of its reports,
with a fixed size whatever their number: the ``CENTROID_TERMS`` heaviest terms of their summed
vectors, the ``PROFILE_NAMES`` most mentioned names (plus every lead name), up to
``PROFILE_FIGURES`` figures, the latest year each of its last ``PROFILE_YEARS`` reports
mentioned, the years of their datelines and the span of their publication dates.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from topics.marks import EventMarks, event_marks
from topics.near_duplicates import Signature, minhash_words
from topics.stories import salient_entities, story_terms
from topics.text import tokenize

CENTROID_TERMS = 80
PROFILE_NAMES = 40
PROFILE_FIGURES = 60
PROFILE_YEARS = 16
PROFILE_HEADLINE = 40
# A lead name the story knows only from a lead counts as known, but adds (almost) no weight.
LEAD_NAME_WEIGHT = 1e-4


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


@dataclass(slots=True)
class StoryProfile:
    """A story's bounded summary of its reports (see the module docstring)."""

    centroid: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0
    names: dict[str, float] = field(default_factory=dict)
    figures: set[str] = field(default_factory=set)
    latest_years: list[int] = field(default_factory=list)
    lead_years: set[int] = field(default_factory=set)
    earliest: datetime | None = None
    latest: datetime | None = None
    headline: dict[str, float] = field(default_factory=dict)
    first_names: dict[str, float] = field(default_factory=dict)

    def grow(self, report: StoryReport) -> tuple[set[str], set[str]]:
        """Add ``report``; returns the centroid terms it gained and those it dropped."""
        gained, dropped = self._grow_centroid(report.terms)
        self._grow_names(report)
        if not self.first_names:
            self.first_names = dict(report.marks.names)
        self._grow_headline(report.marks.headline)
        marks = report.marks
        if len(self.figures) < PROFILE_FIGURES:
            self.figures.update(sorted(marks.figures)[: PROFILE_FIGURES - len(self.figures)])
        if marks.years:
            self.latest_years = [*self.latest_years, max(marks.years)][-PROFILE_YEARS:]
        self.lead_years.update(marks.lead_years)
        if report.published is not None:
            self.earliest = min(filter(None, [self.earliest, report.published]))
            self.latest = max(filter(None, [self.latest, report.published]))
        return gained, dropped

    def admits(self, published: datetime | None, window: timedelta) -> bool:
        """Whether a report of ``published`` may join: undated reports and stories always may."""
        return self.days_outside(published) * timedelta(days=1) <= window

    def days_outside(self, published: datetime | None) -> float:
        """Days between ``published`` and the story's span of dates; 0.0 inside it or when undated."""
        if published is None or self.earliest is None or self.latest is None:
            return 0.0
        if published < self.earliest:
            return (self.earliest - published) / timedelta(days=1)
        return max(0.0, (published - self.latest) / timedelta(days=1))

    def cosine(self, terms: Mapping[str, float]) -> float:
        """The cosine of a report's (unit) vector with the centroid."""
        if self.norm == 0.0:
            return 0.0
        centroid = self.centroid
        return sum(weight * centroid.get(term, 0.0) for term, weight in terms.items()) / self.norm

    def _grow_centroid(self, terms: Mapping[str, float]) -> tuple[set[str], set[str]]:
        centroid = self.centroid
        gained = {term for term in terms if term not in centroid}
        for term, weight in terms.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        dropped: set[str] = set()
        if len(centroid) > CENTROID_TERMS:
            kept = dict(heapq.nlargest(CENTROID_TERMS, centroid.items(), key=lambda item: item[1]))
            dropped = centroid.keys() - kept.keys()
            self.centroid = kept
        self.norm = math.sqrt(sum(weight * weight for weight in self.centroid.values()))
        return gained - dropped, dropped - gained

    def _grow_headline(self, words: frozenset[str]) -> None:
        headline = self.headline
        for word in words:
            headline[word] = headline.get(word, 0.0) + 1.0
        if len(headline) > PROFILE_HEADLINE:
            self.headline = dict(heapq.nlargest(PROFILE_HEADLINE, headline.items(), key=lambda item: item[1]))

    def _grow_names(self, report: StoryReport) -> None:
        names = self.names
        for name, share in report.marks.names.items():
            names[name] = names.get(name, 0.0) + share
        for name in report.entities:
            names.setdefault(name, LEAD_NAME_WEIGHT)
        if len(names) > PROFILE_NAMES + len(report.entities):
            kept = heapq.nlargest(PROFILE_NAMES, names.items(), key=lambda item: item[1])
            self.names = dict(kept) | {name: names[name] for name in report.entities}
