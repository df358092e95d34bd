"""Dates printed beside the headline: "Published March 4, 2025", "Updated: 12 Nov 2025", "03/10/2023".

Pages print their date in a line just before or after the headline, and that line is what a
reader takes for the article's date; the structured metadata may be missing, or be the time a
template was last rebuilt. Only the few text nodes around the headline are read, never the body at
large, so a year mentioned in the text is never taken for the date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from extractors.dates import local_day
from extractors.nearby import Line

# A dateline is a short line; a longer text node is a paragraph that merely mentions a date.
MAX_DATELINE_CHARS = 80
# A date before the headline (a breadcrumb, a kicker) counts as this many text nodes further away.
PRECEDING_PENALTY = 3
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_YEAR = r"(?:19|20)\d{2}"
_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>{_YEAR})\b"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\.?,?\s+(?P<y2>{_YEAR})\b"
    rf"|\b(?P<y3>{_YEAR})-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)\b"
    rf"|\b(?P<a>\d{{1,2}})(?P<sep>[/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y4>{_YEAR})\b",
    re.IGNORECASE,
)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_UPDATED = re.compile(r"\b(?:updated|modified|reviewed|revised|edited|refreshed)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Dateline:
    """A date printed near the headline, and whether its label calls it an update."""

    day: date
    updated: bool
    distance: int  # text nodes from the headline; negative before it


def find_datelines(lines: list[Line], *, day_first: bool = False) -> list[Dateline]:
    """The dates in the short ``lines`` around the headline, nearest first.

    ``day_first`` reads an ambiguous 03/10/2023 as 3 October (most of the world) rather than
    March 10 (the United States); 25/10/2023 and 10.03.2023 are unambiguous either way.
    """
    found: list[Dateline] = []
    for index, line in enumerate(lines):
        across = index == 0 or (lines[index - 1].distance < 0 < line.distance)
        previous = "" if across else lines[index - 1].text  # a label never reaches across the headline
        dates = _dates_in(line.text, previous, day_first)
        found.extend(Dateline(day, updated, line.distance) for day, updated in dates)
    return sorted(found, key=_remoteness)


def _remoteness(line: Dateline) -> int:
    return line.distance if line.distance > 0 else PRECEDING_PENALTY - line.distance


def choose_datelines(lines: list[Dateline]) -> tuple[Dateline | None, Dateline | None]:
    """The nearest publication dateline (not labelled as an update) and the nearest update dateline."""
    published = next((line for line in lines if not line.updated), None)
    updated = next((line for line in lines if line.updated), None)
    return published, updated


def parse_day(text: str, *, day_first: bool = False) -> date | None:
    """The first calendar date written in ``text`` ("Nov 3, 2024", "3 November 2024", "2024-11-03")."""
    found = _DATE.search(text)
    return _to_day(found, day_first) if found else None


def _dates_in(text: str, previous: str, day_first: bool) -> Iterator[tuple[date, bool]]:
    """Each date in one short text node, and whether the words before it say "updated"."""
    if len(text) > MAX_DATELINE_CHARS:
        return
    start = 0
    for found in _DATE.finditer(text):
        day = _to_day(found, day_first)
        label = text[start : found.start()]
        if not label.strip() and start == 0 and not _DATE.search(previous):
            label = previous[-40:]  # the label often sits in its own element: <b>Updated</b> <span>…
        if day is not None:
            yield day, bool(_UPDATED.search(label))
        start = found.end()


def _to_day(found: re.Match[str], day_first: bool) -> date | None:
    parts = found.groupdict()
    try:
        if parts["m1"]:
            return date(int(parts["y1"]), _MONTHS[parts["m1"][:3].lower()], int(parts["d1"]))
        if parts["m2"]:
            return date(int(parts["y2"]), _MONTHS[parts["m2"][:3].lower()], int(parts["d2"]))
        if parts["y3"]:
            return local_day(found.group(0))
        first, second, year = int(parts["a"]), int(parts["b"]), int(parts["y4"])
        if parts["sep"] == "." or first > 12 or (day_first and second <= 12):
            first, second = second, first
        return date(year, first, second)
    except ValueError:
        return None
