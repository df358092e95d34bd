"""What tells look-alike events apart: the names, figures, years and headline of a report.

Two earthquakes, two coach firings or two rounds of ceasefire talks are told in the same words;
they differ in who, where, how many and when. ``event_marks`` reads those from a report:

- ``names``: the folded words of capitalised names anywhere in the headline and text (not at a
  sentence start), the ``NAME_LIMIT`` most frequent, each as its share of those mentions, so a
  report's main actors weigh most whatever its length;
- ``figures``: numbers other than years ("7.1", "42", "76ers"), at most ``FIGURE_LIMIT``;
- ``years``: the years (1900-2099) the text mentions, and ``lead_years``: those of the headline
  and first ``LEAD_CHARS`` characters, where a dateline sits;
- ``headline``: the meaningful words of the headline (rewrites of one event share them).

Marks are plain JSON (``to_json``/``from_json``) so storage keeps them beside the term vector.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from topics.stories import LEAD_CHARS, STOP_WORDS, name_words
from topics.text import tokenize

NAME_LIMIT = 20
FIGURE_LIMIT = 30
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True, slots=True)
class EventMarks:
    """Names (with their share of mentions), figures and years of one report."""

    names: Mapping[str, float] = field(default_factory=dict)
    figures: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    lead_years: frozenset[int] = frozenset()
    headline: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        """The marks as JSON-ready values."""
        return {
            "names": dict(self.names),
            "figures": sorted(self.figures),
            "years": sorted(self.years),
            "lead_years": sorted(self.lead_years),
            "headline": sorted(self.headline),
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> EventMarks:
        """Marks read back from ``to_json``; empty marks for a report stored without them."""
        if not stored:
            return cls()
        return cls(
            dict(stored.get("names", {})),
            frozenset(stored.get("figures", ())),
            frozenset(int(year) for year in stored.get("years", ())),
            frozenset(int(year) for year in stored.get("lead_years", ())),
            frozenset(stored.get("headline", ())),
        )


def event_marks(title: str | None, text: str, words: Sequence[str]) -> EventMarks:
    """The marks of a report; ``words`` is ``tokenize(text)``."""
    lead = f"{title}\n{text[:LEAD_CHARS]}" if title else text[:LEAD_CHARS]
    numbers = [word for word in words if not word.isalpha() and any(c.isdigit() for c in word)]
    years = frozenset(int(word) for word in numbers if _is_year(word))
    figures = [word for word in dict.fromkeys(numbers) if len(word) > 1 and not _is_year(word)]
    lead_years = frozenset(int(found) for found in _YEAR.findall(lead) if int(found) in years)
    headline = frozenset(t for t in tokenize(title or "") if len(t) > 1 and t not in STOP_WORDS)
    return EventMarks(
        _name_shares(title, text), frozenset(figures[:FIGURE_LIMIT]), years, lead_years, headline
    )


def _is_year(word: str) -> bool:
    return len(word) == 4 and _YEAR.fullmatch(word) is not None


def _name_shares(title: str | None, text: str) -> dict[str, float]:
    """The ``NAME_LIMIT`` most mentioned name words, each with its share of their mentions."""
    counts = Counter(name_words(title or "")) + Counter(name_words(text))
    top = counts.most_common(NAME_LIMIT)
    total = sum(count for _, count in top)
    return {name: round(count / total, 4) for name, count in top}
